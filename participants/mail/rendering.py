"""An email's subject, plain text and HTML, rendered from its templates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.template.loader import render_to_string

from participants.mail.styles import Variant, inline_styles


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


# How an email's HTML refers to an attached picture (coproduce/pictures.py).
PICTURE_REFERENCE = re.compile(r'src="cid:picture-([a-z-]+)@coproduce"')


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None
    # The pictures the HTML shows, to attach to the email.
    pictures: tuple[str, ...] = ()


def pictures_in(html: str | None) -> tuple[str, ...]:
    """The names of the pictures an email's HTML shows, each once, in order."""
    return tuple(dict.fromkeys(PICTURE_REFERENCE.findall(html or "")))


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
    return RenderedEmail(subject, text, html, pictures_in(html))


def list_headers(stop: str, kind: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Coproduce-Kind": kind,
    }
