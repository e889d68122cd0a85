"""The embedded broker for `make run`: kombu's filesystem transport, made safe.

kombu's filesystem transport creates a message file and then writes into it,
so a worker polling the folder can read an empty file and die with a
JSONDecodeError (kombu issue #1551). This transport writes each message to a
temporary name and renames it into place, which is atomic on one filesystem.
It is registered as the ``safefs://`` broker URL.
"""

import os
import uuid
from pathlib import Path
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.json import dumps


class SafeFilesystemChannel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for folder in {self.data_folder_in, self.data_folder_out, self.control_folder}:
            Path(folder).mkdir(parents=True, exist_ok=True)
        if self.store_processed:
            Path(self.processed_folder).mkdir(parents=True, exist_ok=True)

    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # The ".tmp" suffix keeps a half-written file out of the worker's sight.
        temporary = f"{final}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(dumps(payload).encode())
        os.replace(temporary, final)


class SafeFilesystemTransport(filesystem.Transport):
    Channel = SafeFilesystemChannel


TRANSPORT_ALIASES["safefs"] = f"{__name__}:SafeFilesystemTransport"
