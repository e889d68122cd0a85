"""The embedded broker for `make run`: kombu's filesystem transport, made safe.

kombu's filesystem transport creates a message file and then writes into it,
so a worker polling the folder can read an empty file and die with a
JSONDecodeError (kombu issue #1551). This transport writes each message to a
temporary name and renames it into place, which is atomic on one filesystem.
It is registered as the ``safefs://`` broker URL.

A message file that is empty or not a message (a disk that filled up, a file
copied in by hand) is moved aside to the ``rejected`` folder beside the queue,
with a log line, and the worker carries on with the next one: kombu's own
transport raises, and the worker stops.
"""

import json
import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)


def _is_message(payload) -> bool:
    return (
        isinstance(payload, dict)
        and "body" in payload
        and isinstance(payload.get("properties"), dict)
        and isinstance(payload.get("headers", {}), dict)
    )


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

    @property
    def rejected_folder(self) -> Path:
        return Path(self.data_folder_in).parent / "rejected"

    def _get(self, queue):
        """The next message of `queue`, oldest first, as kombu does; each file
        is taken by renaming it away (so two workers never take one), and one
        that is not a message is set aside instead of stopping the worker."""
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            source = Path(self.data_folder_in) / name
            taken = source.with_name(f".{name}.{uuid.uuid4().hex}.taken")
            try:
                source.rename(taken)  # atomic: another worker may have taken it
            except OSError:
                continue
            try:
                raw = taken.read_bytes()
                payload = loads(raw.decode())
            except (OSError, UnicodeDecodeError, ValueError, json.JSONDecodeError):
                payload = None
            if not _is_message(payload):
                self.rejected_folder.mkdir(parents=True, exist_ok=True)
                aside = self.rejected_folder / name
                taken.replace(aside)
                logger.warning(
                    "The broker folder held a file that is not a message: moved it to %s", aside
                )
                continue
            taken.unlink()
            return payload
        raise Empty()


class SafeFilesystemTransport(filesystem.Transport):
    Channel = SafeFilesystemChannel


TRANSPORT_ALIASES["safefs"] = f"{__name__}:SafeFilesystemTransport"
