"""The formats people choose for their emails, and the styles written on
each element of an email's HTML part."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from participants.models import User

Format = User.ReminderFormat

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
