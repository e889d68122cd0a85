"""Read what the live server emailed. It runs in the test's process, and
Django's test set-up swaps every mailer for the in-memory one, so the
messages are in django.core.mail.outbox (emptied before each test)."""

import re

from django.core import mail

LINK = re.compile(r"https?://[^\s<>\"')\]]+")
LOGIN_CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")


def messages(to: str | None = None) -> list:
    """The emails sent so far, newest first; only those to `to` if given."""
    return [
        message
        for message in reversed(mail.outbox)
        if to is None or any(to in recipient for recipient in message.recipients())
    ]


def login_code(to: str) -> str:
    """The sign-in code in the newest email to `to`."""
    for message in messages(to):
        found = LOGIN_CODE.search(message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no sign-in code was emailed to {to}")


def links(to: str | None = None) -> list[str]:
    """Every address in the plain text of the emails, oldest email first."""
    found: list[str] = []
    for message in reversed(messages(to)):
        for link in LINK.findall(message.body):
            link = link.rstrip(".,;:")
            if link not in found:
                found.append(link)
    return found
