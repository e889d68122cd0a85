"""The embedded mail backend for `make run` and the end-to-end tests.

Each message is written to its own ``.eml`` file in the outbox folder (written
to a temporary name, then renamed, so a reader never sees half a message) and
announced on the console, so a newcomer can read every email Coproduce sends.
"""

import sys
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class OutboxBackend(BaseEmailBackend):
    def __init__(self, *, file_path, **kwargs):
        super().__init__(**kwargs)
        self.file_path = Path(file_path)

    def send_messages(self, email_messages):
        self.file_path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            final = self.file_path / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            temporary = final.with_suffix(".tmp")
            temporary.write_bytes(message.message().as_bytes())
            temporary.replace(final)
            print(  # noqa: T201
                f"Email to {', '.join(message.recipients())}: {message.subject} ({final})",
                file=sys.stderr,
            )
            sent += 1
        return sent
