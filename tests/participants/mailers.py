"""Mail backends for tests: one that counts connections, one that fails for
some addresses (as an SMTP server refusing a recipient would)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class CountingBackend(BaseEmailBackend):
    opened = 0
    closed = 0
    sent: list = []

    def open(self):
        type(self).opened += 1
        return True

    def close(self):
        type(self).closed += 1

    def send_messages(self, email_messages):
        type(self).sent.extend(email_messages)
        return len(email_messages)

    @classmethod
    def reset(cls):
        cls.opened = cls.closed = 0
        cls.sent = []


class FailingBackend(CountingBackend):
    """Refuses every message to an address that contains "fail"."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if any("fail" in address for address in message.recipients()):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such mailbox")})
        return super().send_messages(email_messages)


class DownBackend(CountingBackend):
    """A mail server that cannot be reached."""

    def open(self):
        raise ConnectionRefusedError("Connection refused")


class SlowBackend(CountingBackend):
    """Takes a moment over each message, so two workers overlap."""

    def send_messages(self, email_messages):
        import time

        time.sleep(0.002)
        return super().send_messages(email_messages)
