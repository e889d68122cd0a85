"""Reminder emails and digests, built for a batch of claimed rows: each
message is rendered once per format, and only the per-person links differ
between copies."""

from __future__ import annotations

from datetime import datetime

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from participants.mail.links import STOP_ALL, preferences_url, stop_url
from participants.mail.mime import make_message
from participants.mail.rendering import RenderedEmail, list_headers, one_line, render_email
from participants.mail.styles import Format, Variant, variant_for
from participants.models import User

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
        self._digest_items: dict[tuple[int, str], dict] = {}

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
            rendered.pictures,
        )
        headers = list_headers(stop, row.kind)
        headers["X-Coproduce-Reminder"] = str(row.pk)
        return make_message(rendered, to=to, headers=headers)

    def _digest_item(self, message, variant: Variant) -> dict:
        """What a digest says about one message: its lines and its link's
        words, from templates/emails/<template>[_easy]_digest.txt and
        _link.txt (and, in easy words, its picture from _easy_picture.txt),
        rendered once per batch."""
        key = (id(message), variant.words)
        if key not in self._digest_items:
            prefix = f"emails/{message.template}{variant.words}"
            lines = render_to_string(f"{prefix}_digest.txt", message.context)
            self._digest_items[key] = {
                "lines": [line.strip() for line in lines.strip().splitlines() if line.strip()],
                "link_text": one_line(render_to_string(f"{prefix}_link.txt", message.context)),
                "url": message.url,
                # Easy words pair each item with its picture (coproduce/pictures.py).
                "picture": (
                    one_line(render_to_string(f"{prefix}_picture.txt", message.context))
                    if variant.words
                    else ""
                ),
            }
        return self._digest_items[key]

    def build_digest(self, rows, messages) -> EmailMultiAlternatives:
        """One email listing everything waiting for one member (``messages``
        in the order to show them), grouped by project when there are several."""
        user = rows[0].user
        variant = variant_for(user.reminder_format)
        projects: dict[str, list[dict]] = {}
        for message in messages:
            projects.setdefault(message.project_name, []).append(
                self._digest_item(message, variant)
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
