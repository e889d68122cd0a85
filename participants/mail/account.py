"""allauth's emails, made to follow the same rules as every other."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from participants.mail.links import STOP_ALL, absolute_url, preferences_url, stop_url
from participants.mail.mime import make_message
from participants.mail.rendering import list_headers, render_email, tidy_html, tidy_text
from participants.mail.styles import Format, inline_styles, variant_for
from participants.models import User

logger = logging.getLogger(__name__)


def account_email(render, template_prefix: str, email: str, context: dict, headers=None):
    """allauth's emails (sign-in codes, confirmations, password resets, ...)
    made to follow docs/email-rules.md like every other: templates/account/email/ use
    the same layout; this adds the recipient's format (plain text only,
    large print), the styles, the link to change or stop reminder emails and
    the List-Unsubscribe headers (which stop reminder emails: emails like
    these come only when someone asks for one). ``render`` is allauth's own
    render_mail."""
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


def account_deleted_message(*, to: str, reminder_format: str):
    """The last email to the address of an account that was just deleted,
    in the format its member chose (templates/emails/account_deleted_*). It
    has no link to stop emails and no List-Unsubscribe header: there is
    nothing left to stop."""
    context = {
        "project_name": "Coproduce",
        "operator": settings.COPRODUCE_SITE_OPERATOR,
        "contact_email": settings.COPRODUCE_PRIVACY_CONTACT_EMAIL,
        "privacy_url": absolute_url(reverse("privacy")),
        "signup_url": absolute_url(reverse("account_signup")),
    }
    rendered = render_email("account_deleted", context, variant_for(reminder_format))
    headers = {"Auto-Submitted": "auto-generated", "X-Coproduce-Kind": "account_deleted"}
    return make_message(rendered, to=to, headers=headers)


def send_account_deleted(*, to: str, reminder_format: str) -> None:
    """Send it. The account is gone whatever happens: a mail server that
    refuses is logged, not shown to the person as an error."""
    try:
        account_deleted_message(to=to, reminder_format=reminder_format).send()
    except Exception:  # the deletion has happened; the email is a courtesy
        logger.warning("Could not send the email about a deleted account", exc_info=True)
