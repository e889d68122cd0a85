"""The record of each sign-in, for the member to check in "Your data":
when, from which browser, and from which internet address (as the proxy in
front of Coproduce passes it on, the way allauth's rate limits read it).

Recorded on Django's own user_logged_in signal, so every way in counts: a
code by email, a password, a confirmation link. Kept for
COPRODUCE_KEEP_SIGN_INS_DAYS (participants.accounts.retention)."""

import ipaddress
import logging

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.db import transaction

from participants.models import SignIn, User

logger = logging.getLogger(__name__)

USER_AGENT_LENGTH = SignIn._meta.get_field("user_agent").max_length

# A browser's own description of itself, in words a member knows: the first
# name found wins (Edge and Opera also say "Chrome"; Chrome also says "Safari").
BROWSERS = [
    ("Edg/", "Microsoft Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("iPhone", "an iPhone"),
    ("iPad", "an iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "a Mac"),
    ("CrOS", "a Chromebook"),
    ("Linux", "Linux"),
]


def browser_in_words(user_agent: str) -> str:
    """ "Firefox on Windows", or "A browser we do not recognise"."""
    browser = next((name for token, name in BROWSERS if token in user_agent), "")
    system = next((name for token, name in SYSTEMS if token in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return "A browser we do not recognise"


def _client_ip(request) -> str | None:
    try:
        address = get_adapter(request).get_client_ip(request)
        return str(ipaddress.ip_address(address))
    except (PermissionDenied, ValueError, TypeError):
        return None


def on_user_logged_in(sender, *, request, user, **kwargs):
    """Record the sign-in. Never stops someone signing in: a failure to
    record it is logged."""
    if not isinstance(user, User) or request is None:
        return
    try:
        with transaction.atomic():
            SignIn.objects.create(
                user=user,
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
            )
    except Exception:  # signing in matters more than its record
        logger.warning("Could not record a sign-in", exc_info=True)
