"""The finished email for one person. Its MIME form is written directly
(``PreparedEmail``) rather than built through Python's email package: many
times quicker, and what lets one worker send hundreds of reminders a second.
tests/participants/test_mail_shortcuts.py checks it against Django's own
EmailMessage.message()."""

from __future__ import annotations

import base64
import binascii
import email.policy
import secrets
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

from coproduce.pictures import picture, png_bytes
from participants.mail.rendering import RenderedEmail, one_line


def make_message(
    rendered: RenderedEmail, *, to: str, headers: dict[str, str]
) -> EmailMultiAlternatives:
    """The email for one person. For plain ASCII addresses its MIME form is
    written directly (PreparedEmail), which is many times quicker than
    building it through the email package, and what lets one worker send
    hundreds of reminders a second."""
    cls = PreparedEmail if to.isascii() else EmailWithPictures
    message = cls(
        rendered.subject, rendered.text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers
    )
    message.pictures = rendered.pictures
    if rendered.html is not None:
        message.attach_alternative(rendered.html, "text/html")
    return message


@lru_cache(maxsize=1024)
def _encoded_header(name: str, value: str) -> str:
    """A header line, folded, with RFC 2047 encoded words for non-ASCII."""
    if value.isascii() and (len(name) + 2 + len(value) <= 78 or " " not in value):
        return f"{name}: {value}"  # a long address (List-Unsubscribe) stays on one line
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: " + Header(value, charset, header_name=name).encode(linesep="\r\n")


@lru_cache(maxsize=64)
def _from_header(from_email: str) -> str:
    name, address = parseaddr(from_email)
    if name and not name.isascii():
        return "From: " + formataddr((name, address), charset="utf-8")
    return f"From: {from_email}"


def _encoded_body(text: str) -> tuple[str, str]:
    """(Content-Transfer-Encoding, body) for a text part: 8bit when every
    line fits SMTP's 998-octet limit (as Django itself does for short lines;
    fewer, longer lines are much quicker for mail servers to take in), else
    quoted-printable."""
    lines = text.replace("\r\n", "\n").split("\n")
    if all(len(line.encode("utf-8")) <= 998 for line in lines):
        if lines and lines[-1] == "":
            lines.pop()
        return "8bit", "\r\n".join(lines) + "\r\n"
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    body = encoded.decode("ascii").replace("\n", "\r\n")
    # Ends with a line break, as the email package writes it.
    return "quoted-printable", body if body.endswith("\r\n") else body + "\r\n"


def _text_part(text: str, subtype: str) -> str:
    encoding, body = _encoded_body(text)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}"
    )


@lru_cache(maxsize=32)
def _picture_part(name: str) -> str:
    """A picture's MIME part, inline beside the HTML that shows it: the same
    headers and base64 lines as Python's email package writes (add_related)."""
    data = base64.encodebytes(png_bytes(name)).decode("ascii").replace("\n", "\r\n")
    return (
        "Content-Type: image/png\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: inline; filename="{name}.png"\r\n'
        f"Content-ID: <{picture(name).content_id}>\r\n\r\n{data}"
    )


def _html_with_pictures(html: str, pictures: tuple[str, ...]) -> str:
    """The HTML part and the pictures it shows, as one multipart/related part."""
    boundary = f"=_{secrets.token_hex(16)}"
    parts = "".join(f"\r\n--{boundary}\r\n{_picture_part(name)}" for name in pictures)
    return (
        f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n{_text_part(html, 'html')}{parts}\r\n--{boundary}--\r\n"
    )


class EmailWithPictures(EmailMultiAlternatives):
    """An email whose HTML part shows pictures (easy words): each picture's
    PNG is attached beside the HTML (multipart/related, ``Content-ID``), so
    it shows in mail programs that block pictures from the internet. Built
    through Python's email package, as Django builds any email."""

    pictures: tuple[str, ...] = ()

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=policy)
        if not self.pictures:
            return message  # as EmailMultiAlternatives builds it
        html = message.get_body(preferencelist=("html",))
        for name in self.pictures:
            html.add_related(
                png_bytes(name),
                maintype="image",
                subtype="png",
                cid=f"<{picture(name).content_id}>",
                disposition="inline",
                filename=f"{name}.png",
            )
        return message


class RawMIME:
    """What PreparedEmail.message() hands to mail backends: the finished
    message, which they only turn into bytes (as_bytes)."""

    def __init__(self, raw: str, policy):
        self.raw = raw
        self.policy = policy

    def as_bytes(self, unixfrom=False, policy=None, linesep=None):
        linesep = linesep or getattr(policy or self.policy, "linesep", "\n")
        raw = self.raw if linesep == "\r\n" else self.raw.replace("\r\n", linesep)
        return raw.encode("utf-8")

    def as_string(self, unixfrom=False, maxheaderlen=0, policy=None):
        return self.as_bytes(policy=policy).decode("utf-8")

    __bytes__ = as_bytes
    __str__ = as_string

    def get_content_type(self) -> str:
        return (
            "multipart/alternative"
            if "multipart/alternative" in self.raw[:2000]
            else ("text/plain")
        )


class PreparedEmail(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose MIME form (RFC 5322 headers, a
    text/plain part and an optional text/html part, each 8bit or
    quoted-printable as Django would choose, the HTML with the pictures it
    shows beside it as EmailWithPictures has them) is written directly
    instead of through the email package. Only for ASCII addresses and no
    other attachments; it has the same attributes as any EmailMessage, so
    every mail backend (SMTP, the outbox, the test outbox) takes it."""

    pictures: tuple[str, ...] = ()

    def message(self, *, policy=email.policy.default):
        lines = [
            "MIME-Version: 1.0",
            _encoded_header("Subject", one_line(str(self.subject))),
            _from_header(str(self.from_email)),
            f"To: {', '.join(self.to)}",
            f"Date: {format_datetime(datetime.now(UTC))}",
            f"Message-ID: {make_msgid(domain=DNS_NAME)}",
        ]
        for name, value in self.extra_headers.items():
            if name.lower() in {"to", "from", "bcc", "cc"}:
                continue
            lines.append(_encoded_header(name, str(value)))
        html = [content for content, mimetype in self.alternatives if mimetype == "text/html"]
        if html:
            boundary = f"=_{secrets.token_hex(16)}"
            lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
            html_part = (
                _html_with_pictures(html[0], self.pictures)
                if self.pictures
                else _text_part(html[0], "html")
            )
            body = (
                f"\r\n--{boundary}\r\n{_text_part(self.body, 'plain')}"
                f"\r\n--{boundary}\r\n{html_part}"
                f"\r\n--{boundary}--\r\n"
            )
        else:
            encoding, body = _encoded_body(self.body)
            lines.append('Content-Type: text/plain; charset="utf-8"')
            lines.append(f"Content-Transfer-Encoding: {encoding}")
        return RawMIME("\r\n".join(lines) + "\r\n\r\n" + body, policy)
