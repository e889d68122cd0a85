"""allauth's emails, made to follow the same rules as every other."""

from __future__ import annotations

from django.conf import settings
from django.utils.html import escape

from participants.mail.links import STOP_ALL, preferences_url, stop_url
from participants.mail.rendering import list_headers, tidy_html, tidy_text
from participants.mail.styles import Format, inline_styles, variant_for
from participants.models import User


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
