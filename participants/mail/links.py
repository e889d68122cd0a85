"""The links in emails. Links that change or stop emails, or accept an
invitation, carry signed tokens (django.core.signing with a salt and a
maximum age), so they work without signing in:
- the preferences page (``participants:email_preferences``), linked at the end
  of every email;
- the one-click stop (``participants:email_stop``), in the List-Unsubscribe
  header with List-Unsubscribe-Post (RFC 8058);
- the invitation (``participants:invitation_accept``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import get_urlconf, reverse

from participants.models import User

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


def absolute_url(path: str) -> str:
    """A full address for a link in an email: SITE_URL's scheme and host, then
    a path from reverse() or get_absolute_url(), which already starts with
    SITE_URL's own path when the site is served under one."""
    return f"{settings.SITE_ORIGIN}{path}"


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
