"""Text people type, made safe to show to others.

Names and comments are shown to every member of a project, so what someone
types must not be able to look like something else: text is normalised (NFC,
so the same letters are the same characters), and control characters,
direction overrides (which can show text backwards, or move a label to look
like part of a name) and invisible characters are removed. Text with nothing
visible left is treated as empty. A name is one line; a comment keeps its
line breaks (at most one empty line in a row).
"""

import re
import unicodedata

# Characters that change the direction text is shown in, or that show as
# nothing at all (zero-width spaces, joiners at the edges, word joiners, the
# byte-order mark, soft hyphens, fillers that render blank).
DIRECTION_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u2060\u2061\u2062\u2063\u2064"
    "\u3164\ufeff\uffa0\u2800"
)
_REMOVED = re.compile(f"[{DIRECTION_CONTROLS}{INVISIBLE}]")
# Zero-width (non-)joiners belong inside words of some scripts and emoji;
# they count as nothing when deciding whether anything is visible.
_JOINERS = "\u200c\u200d"


def _without_controls(value: str, *, keep_newlines: bool) -> str:
    kept = []
    for character in value:
        if keep_newlines and character == "\n":
            kept.append(character)
        elif unicodedata.category(character) == "Cc":
            # Tabs and other line breaks become a space; the rest go.
            kept.append(" " if character in "\t\n\r\v\f\x85" else "")
        else:
            kept.append(character)
    return "".join(kept)


def has_visible_text(value: str) -> bool:
    return any(
        not character.isspace()
        and character not in _JOINERS
        and unicodedata.category(character) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}
        for character in value
    )


def clean_line(value: str) -> str:
    """One line of text (a name, a title): normalised, direction controls
    and invisible characters removed, runs of spaces made one. Empty when
    nothing visible is left."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    value = _without_controls(_REMOVED.sub("", value), keep_newlines=False)
    value = " ".join(value.split())
    return value if has_visible_text(value) else ""


def clean_paragraphs(value: str) -> str:
    """Text with line breaks (a comment): as clean_line, but each line kept,
    with at most one empty line in a row."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = _without_controls(_REMOVED.sub("", value), keep_newlines=True)
    lines = [" ".join(line.split()) for line in value.split("\n")]
    value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return value if has_visible_text(value) else ""
