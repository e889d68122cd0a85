"""How Coproduce's emails look and read (see docs/email-rules.md).

Every email has a plain-text part; an HTML part too unless the member chose
plain text only. The HTML part uses one layout (templates/emails/layout.html):
``lang`` and ``dir`` set, layout tables with role="presentation", one column
at most 600px wide, left-aligned text at 19px (standard), 24px (large print)
or 21px (easy words), links underlined. The styles that matter are written on
each element (``inline_styles``), so the email reads the same where mail
software strips <style> blocks: the layout has none.

Links that change or stop emails carry signed tokens (django.core.signing with
a salt and a maximum age), so they work without signing in:
- the preferences page (``participants:email_preferences``), linked at the end
  of every email;
- the one-click stop (``participants:email_stop``), in the List-Unsubscribe
  header with List-Unsubscribe-Post (RFC 8058).
"""

from __future__ import annotations

import binascii
import email.policy
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_urlconf, reverse

from participants.models import User

Format = User.ReminderFormat

# --- Tokens -----------------------------------------------------------------

PREFERENCES_SALT = "participants.email-preferences"
STOP_SALT = "participants.email-stop"
INVITATION_SALT = "participants.invitation"
# Links in emails keep working for a year: people read old emails.
EMAIL_LINK_MAX_AGE = timedelta(days=365)
INVITATION_MAX_AGE = timedelta(days=14)
STOP_ALL = "all"


class TokenError(Exception):
    """A link token that is forged, damaged or too old."""

    def __init__(self, reason: str, payload: dict | None = None):
        super().__init__(reason)
        self.reason = reason  # "bad" or "expired"
        self.payload = payload  # for "expired": what the (genuine) token said


def read_token(token: str, *, salt: str, max_age: timedelta) -> dict:
    """The payload of a signed token, or TokenError("bad") for a forged or
    damaged one and TokenError("expired", payload) for a genuine old one."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        try:
            payload = signing.loads(token, salt=salt)
        except signing.BadSignature:
            raise TokenError("bad") from None
        raise TokenError("expired", payload if isinstance(payload, dict) else None) from None
    except signing.BadSignature:
        raise TokenError("bad") from None
    if not isinstance(payload, dict):
        raise TokenError("bad")
    return payload


def preferences_token(user: User) -> str:
    return signing.dumps({"u": user.pk}, salt=PREFERENCES_SALT)


def stop_token(user: User, kind: str) -> str:
    """One-click stop for one kind of reminder (or STOP_ALL, for digests)."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=STOP_SALT)


def invitation_stop_token(invitation) -> str:
    """One-click "no thank you" to an invitation."""
    return signing.dumps({"i": str(invitation.public_id)}, salt=STOP_SALT)


def invitation_token(invitation) -> str:
    return signing.dumps({"i": str(invitation.public_id)}, salt=INVITATION_SALT)


# --- Addresses and words ----------------------------------------------------


def absolute_url(path: str) -> str:
    """A full address for a link in an email: SITE_URL's scheme and host, then
    a path from reverse() or get_absolute_url(), which already starts with
    SITE_URL's own path when the site is served under one."""
    return f"{settings.SITE_ORIGIN}{path}"


def reverse_or(names: list[tuple[str, dict]], default: str) -> str:
    """The first of several URL names that exists (pages other apps add as
    they are built), else ``default``."""
    for name, kwargs in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return default


@lru_cache(maxsize=16)
def _link_template(name: str, site_url: str, urlconf: str) -> str:
    return site_url + reverse(name, args=["TOKEN"], urlconf=urlconf)


def _link(name: str, token: str) -> str:
    """The full address of a page that takes a token: worked out once, then
    the token put in (this runs twice for every email)."""
    template = _link_template(name, settings.SITE_ORIGIN, get_urlconf() or settings.ROOT_URLCONF)
    return template.replace("TOKEN", token)


def preferences_url(user: User) -> str:
    return _link("participants:email_preferences", preferences_token(user))


def stop_url(user: User, kind: str) -> str:
    return _link("participants:email_stop", stop_token(user, kind))


def format_time(moment: datetime) -> str:
    """5pm, 5:30pm, midday, midnight (GOV.UK style)."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "midnight" if moment.hour == 0 else "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def format_date(moment: datetime, *, now: datetime | None = None) -> str:
    """Thursday 12 June (and the year when it is not this year)."""
    text = f"{moment:%A} {moment.day} {moment:%B}"
    if now is not None and now.astimezone(moment.tzinfo).year != moment.year:
        text += f" {moment.year}"
    return text


def when_words(moment: datetime, *, now: datetime, tz) -> str:
    """ "today", "tomorrow" or "on Thursday 12 June", as seen in ``tz``."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        return "today"
    if local.date() == today + timedelta(days=1):
        return "tomorrow"
    return f"on {format_date(local, now=now)}"


# --- Formats ----------------------------------------------------------------

FONT = "Arial, Helvetica, sans-serif"
TEXT_COLOUR = "#0b0c0c"
LINK_COLOUR = "#1d70b8"  # 5.2:1 on white
RULE_COLOUR = "#b1b4b6"


@dataclass(frozen=True)
class Variant:
    """How one reminder format is written and laid out."""

    name: str
    words: str  # "" for standard words, "_easy" for easy words
    html: bool
    font_px: int = 19
    line_px: int = 25
    h1_px: int = 32
    h2_px: int = 24

    @property
    def h1_line_px(self) -> int:
        return math.ceil(self.h1_px * 1.3)

    @property
    def h2_line_px(self) -> int:
        return math.ceil(self.h2_px * 1.3)


VARIANTS = {
    Format.STANDARD: Variant(Format.STANDARD, "", True, 19, 25, 32, 24),
    Format.LARGE_PRINT: Variant(Format.LARGE_PRINT, "", True, 24, 34, 36, 29),
    Format.EASY_WORDS: Variant(Format.EASY_WORDS, "_easy", True, 21, 32, 32, 26),
    Format.PLAIN_TEXT: Variant(Format.PLAIN_TEXT, "", False),
}


def variant_for(reminder_format: str) -> Variant:
    return VARIANTS.get(reminder_format, VARIANTS[Format.STANDARD])


_BARE_TAG = re.compile(r"<(p|h1|h2|ul|ol|li)>")


def inline_styles(html: str, variant: Variant) -> str:
    """Write the styles that matter on each element of an email body: the
    body's templates use bare <p>, <h1>, <h2>, <ul>, <ol>, <li> and
    <a href=...>; this gives them size, line height, colour and alignment."""
    text = f"font-family:{FONT};color:{TEXT_COLOUR};text-align:left;"
    body = f"font-size:{variant.font_px}px;line-height:{variant.line_px}px;{text}"
    styles = {
        "p": f"margin:0 0 20px 0;{body}",
        "li": f"margin:0 0 10px 0;{body}",
        "ul": "margin:0 0 20px 0;padding:0 0 0 25px;",
        "ol": "margin:0 0 20px 0;padding:0 0 0 25px;",
        "h1": (
            f"margin:0 0 25px 0;font-size:{variant.h1_px}px;"
            f"line-height:{variant.h1_line_px}px;font-weight:700;{text}"
        ),
        "h2": (
            f"margin:30px 0 15px 0;font-size:{variant.h2_px}px;"
            f"line-height:{variant.h2_line_px}px;font-weight:700;{text}"
        ),
    }
    html = _BARE_TAG.sub(lambda match: f'<{match[1]} style="{styles[match[1]]}">', html)
    return html.replace(
        "<a href=", f'<a style="color:{LINK_COLOUR};text-decoration:underline;" href='
    )


def tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def tidy_html(html: str) -> str:
    return re.sub(r"\n\s*\n+", "\n", html.strip()) + "\n"


def one_line(text: str) -> str:
    return " ".join(text.split())


def sentence(text) -> str:
    """The text as a sentence: trimmed, ending with a full stop unless it
    already ends with one, a question mark or an exclamation mark."""
    text = str(text or "").strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def render_email(template: str, context: dict, variant: Variant) -> RenderedEmail:
    """Render templates/emails/<template>[_easy]_subject.txt, _message.txt and
    (unless plain text only) _message.html."""
    prefix = f"emails/{template}{variant.words}"
    context = {**context, "variant": variant}
    subject = one_line(render_to_string(f"{prefix}_subject.txt", context))
    text = tidy_text(render_to_string(f"{prefix}_message.txt", context))
    html = None
    if variant.html:
        html = render_to_string(f"{prefix}_message.html", {**context, "subject": subject})
        html = tidy_html(inline_styles(html, variant))
    return RenderedEmail(subject, text, html)


def make_message(
    rendered: RenderedEmail, *, to: str, headers: dict[str, str]
) -> EmailMultiAlternatives:
    """The email for one person. For plain ASCII addresses its MIME form is
    written directly (PreparedEmail), which is many times quicker than
    building it through the email package, and what lets one worker send
    hundreds of reminders a second."""
    cls = PreparedEmail if to.isascii() else EmailMultiAlternatives
    message = cls(
        rendered.subject, rendered.text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers
    )
    if rendered.html is not None:
        message.attach_alternative(rendered.html, "text/html")
    return message


# --- Writing MIME quickly ------------------------------------------------------


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
    return "quoted-printable", encoded.decode("ascii").replace("\n", "\r\n")


def _text_part(text: str, subtype: str) -> str:
    encoding, body = _encoded_body(text)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}"
    )


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
    quoted-printable as Django would choose) is written directly instead of
    through the email package. Only for ASCII addresses
    and no attachments; it has the same attributes as any EmailMessage, so
    every mail backend (SMTP, the outbox, the test outbox) takes it."""

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
            body = (
                f"\r\n--{boundary}\r\n{_text_part(self.body, 'plain')}"
                f"\r\n--{boundary}\r\n{_text_part(html[0], 'html')}"
                f"\r\n--{boundary}--\r\n"
            )
        else:
            encoding, body = _encoded_body(self.body)
            lines.append('Content-Type: text/plain; charset="utf-8"')
            lines.append(f"Content-Transfer-Encoding: {encoding}")
        return RawMIME("\r\n".join(lines) + "\r\n\r\n" + body, policy)


def list_headers(stop: str, kind: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Coproduce-Kind": kind,
    }


# --- Building reminders -------------------------------------------------------

# Stand-ins for the per-person links while a message is rendered once for a
# whole batch; replaced in each copy. Made only of characters that HTML
# escaping leaves alone.
PREFERENCES_PLACEHOLDER = "https://placeholder.invalid/preferences-link"
STOP_PLACEHOLDER = "https://placeholder.invalid/stop-link"


def formats_for_addresses(addresses) -> dict[str, str]:
    """The chosen format of people who already have an account, for emails
    sent to an address (invitations). One query, or none."""
    addresses = {address.lower() for address in addresses if address}
    if not addresses:
        return {}
    return dict(User.objects.filter(email__in=addresses).values_list("email", "reminder_format"))


class ReminderEmailBuilder:
    """Turns claimed reminder rows into email messages. Each Message is
    rendered once per format for the whole batch; only the per-person links
    differ between copies."""

    def __init__(self, *, now: datetime):
        self.now = now
        self._rendered: dict[tuple[int, str], RenderedEmail] = {}

    def _render_once(self, message, variant: Variant) -> RenderedEmail:
        key = (id(message), variant.name)
        if key not in self._rendered:
            context = {
                **message.context,
                "preferences_url": PREFERENCES_PLACEHOLDER,
                "stop_url": message.context.get("stop_url", STOP_PLACEHOLDER),
            }
            self._rendered[key] = render_email(message.template, context, variant)
        return self._rendered[key]

    def build(self, row, message, *, address_format: dict[str, str]) -> EmailMultiAlternatives:
        user = row.user
        if user is not None:
            variant = variant_for(user.reminder_format)
            to = user.email
            prefs, stop = preferences_url(user), stop_url(user, row.kind)
        else:
            variant = variant_for(address_format.get(row.email.lower(), Format.STANDARD))
            to = row.email
            stop = message.context["stop_url"]
            prefs = stop
        rendered = self._render_once(message, variant)

        def personal(text: str) -> str:
            return text.replace(PREFERENCES_PLACEHOLDER, prefs).replace(STOP_PLACEHOLDER, stop)

        rendered = RenderedEmail(
            rendered.subject,
            personal(rendered.text),
            personal(rendered.html) if rendered.html is not None else None,
        )
        headers = list_headers(stop, row.kind)
        headers["X-Coproduce-Reminder"] = str(row.pk)
        return make_message(rendered, to=to, headers=headers)

    def build_digest(self, rows, messages) -> EmailMultiAlternatives:
        """One email listing everything waiting for one member (``messages``
        in the order to show them), grouped by project when there are several."""
        user = rows[0].user
        variant = variant_for(user.reminder_format)
        easy = variant.words == "_easy"
        projects: dict[str, list[dict]] = {}
        for message in messages:
            projects.setdefault(message.project_name, []).append(
                {
                    "lines": (message.easy_digest_line if easy else message.digest_line)
                    .strip()
                    .splitlines(),
                    "link_text": message.easy_link_text if easy else message.link_text,
                    "url": message.url,
                }
            )
        context = {
            "projects": [{"name": name, "items": items} for name, items in projects.items()],
            "count": len(messages),
            "weekly": user.reminder_timing == User.ReminderTiming.WEEKLY,
            "project_name": next(iter(projects)) if len(projects) == 1 else "Coproduce",
            "preferences_url": preferences_url(user),
            "stop_url": stop_url(user, STOP_ALL),
        }
        rendered = render_email("digest", context, variant)
        headers = list_headers(context["stop_url"], "digest")
        headers["X-Coproduce-Reminder"] = ",".join(str(row.pk) for row in rows)
        return make_message(rendered, to=user.email, headers=headers)


# --- allauth's account emails --------------------------------------------------


def account_email(render, template_prefix: str, email: str, context: dict, headers=None):
    """allauth's emails (sign-in codes, confirmations, password resets, ...)
    made to follow docs/email-rules.md like every other: templates/account/email/ use
    the same layout; this adds the recipient's format (plain text only,
    large print), the styles, the link to change or stop reminder emails and
    the List-Unsubscribe headers (which stop reminder emails: emails like
    these come only when someone asks for one). ``render`` is allauth's own
    render_mail."""
    from django.utils.html import escape

    user = context.get("user") if isinstance(context.get("user"), User) else None
    if user is None:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
    variant = variant_for(user.reminder_format if user else Format.STANDARD)
    extra = {
        "variant": variant,
        "code_minutes": getattr(settings, "ACCOUNT_LOGIN_BY_CODE_TIMEOUT", 900) // 60,
    }
    headers = {**(headers or {}), "Auto-Submitted": "auto-generated"}
    if user is not None and user.is_active:
        extra["preferences_url"] = preferences_url(user)
        headers.update(list_headers(stop_url(user, STOP_ALL), "account"))
    else:
        headers["X-Coproduce-Kind"] = "account"
    message = render(template_prefix, email, {**context, **extra}, headers=headers)
    message.body = tidy_text(message.body)
    html = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    message.alternatives = []
    if html and variant.html:
        document = html[0].replace("<title></title>", f"<title>{escape(message.subject)}</title>")
        message.attach_alternative(tidy_html(inline_styles(document, variant)), "text/html")
    return message
