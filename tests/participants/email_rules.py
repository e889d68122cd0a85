"""The rules of docs/email-rules.md that a program can check, as one function
that returns every problem it finds in an email (an empty list: all good).

Used by the template tests for every kind of email in every format, and by
the tests of allauth's account emails."""

import html
import re
from email import message_from_bytes

FORMAT_SIZES = {  # smallest body font size (px) per format, docs/email-rules.md rule 7
    "standard": 16,
    "large_print": 22,
    "easy_words": 19,
}
NOT_LINK_TEXT = {"click here", "here", "click", "link", "this link", "more", "read more"}
URL = re.compile(r"https?://[^\s<>\"]+")
SITE = "https://coproduce.example.org"
# Words a subject may start with: the action first (rule 14).
ACTIONS = {"Vote", "Please", "See", "Answer", "Tell", "Join", "Read", "Confirm", "Your", "Reset",
           "Use", "Sign", "Someone", "Change", "Check", "Stop", "Create"}  # fmt: skip


def html_part(message) -> str | None:
    parts = [
        content
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    assert len(parts) <= 1, "more than one HTML part"
    return parts[0] if parts else None


def html_to_text(document: str) -> str:
    """The words and links of an HTML email as plain text would show them."""
    body = re.search(r"<body[^>]*>(.*)</body>", document, re.S)
    text = body.group(1) if body else document
    text = re.sub(
        r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>',
        lambda m: f"{re.sub(r'<[^>]+>', '', m.group(2))}: {m.group(1)}",
        text,
        flags=re.S,
    )
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"<hr[^>]*>", "\n--\n", text)
    text = re.sub(r"<li[^>]*>", "\n- ", text)
    text = re.sub(r"</(p|h1|h2|li|ul|ol|div|td|tr|table)>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def words(text: str) -> str:
    return " ".join(text.replace("\n- ", "\n").split())


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str = "#ffffff") -> float:
    a, b = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def sentences(text: str) -> list[str]:
    text = URL.sub("URL", text)
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def body_text(text: str) -> str:
    """The plain text above the footer separator."""
    return text.split("\n--\n")[0]


def check_email(
    message,
    *,
    reminder_format: str,
    project_name: str | None = None,
    shows_full_address: bool = False,
    list_headers: bool = True,
    action_link: bool = True,
    easy_words_wording: bool = True,
) -> list[str]:
    problems: list[str] = []
    subject = message.subject
    text = message.body
    document = html_part(message)

    # 1. Multipart: plain text always; HTML unless the member chose plain text.
    if not text.strip():
        problems.append("rule 1: no plain-text part")
    if reminder_format == "plain_text":
        if document is not None:
            problems.append("rule 1: a plain-text member got an HTML part")
    elif document is None:
        problems.append("rule 1: no HTML part")
    raw = message_from_bytes(message.message().as_bytes())
    types = [part.get_content_type() for part in raw.walk()]
    if reminder_format == "plain_text" and types != ["text/plain"]:
        problems.append(f"rule 1: plain-text member's email is {types}")
    # Easy words pair ideas with pictures: the HTML and the PNGs it shows sit
    # together in a multipart/related part, each picture inline with the
    # Content-ID the HTML refers to (so mail programs that block pictures from
    # the internet still show them).
    pictures = [part for part in raw.walk() if part.get_content_type() == "image/png"]
    shape = (
        ["multipart/alternative", "text/plain", "multipart/related", "text/html"]
        + ["image/png"] * len(pictures)
        if pictures
        else ["multipart/alternative", "text/plain", "text/html"]
    )
    if reminder_format != "plain_text" and types != shape:
        problems.append(f"rule 1: email parts are {types}")
    # (allauth's account emails have one wording for every format: no pictures.)
    if (reminder_format == "easy_words" and easy_words_wording) != bool(pictures):
        problems.append(f"rule 17: pictures in a {reminder_format} email: {len(pictures)}")
    attached = {str(part["Content-ID"]).strip("<>") for part in pictures}
    shown = set(re.findall(r'src="cid:([^"]+)"', document or ""))
    if attached != shown:
        problems.append(f"rule 13: pictures shown {sorted(shown)}, attached {sorted(attached)}")
    for part in pictures:
        if part.get_content_disposition() != "inline":
            problems.append(f"rule 13: picture {part['Content-ID']} is not inline")

    # 2. Plain-text links read "Link text: https://..."; no markup left.
    if re.search(r"<[a-zA-Z/!][^>]*>", text):
        problems.append("rule 2: markup left in the plain text")
    if re.search(r"&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", text):
        problems.append("rule 2: HTML entities left in the plain text")
    for line in text.splitlines():
        for url in URL.findall(line):
            before = line[: line.index(url)]
            if not (before.endswith(": ") and before[:-2].strip()):
                problems.append(f"rule 2: link not written as 'Link text: URL': {line!r}")
    for url in URL.findall(text):
        if url.startswith("http://"):
            problems.append(f"rule 12: link is not https: {url}")

    if document is not None:
        # 1 again: the same words and links as the plain text.
        if words(html_to_text(document)) != words(text):
            problems.append(
                "rule 1: HTML and plain text differ:\n"
                f"  HTML: {words(html_to_text(document))}\n  TEXT: {words(text)}"
            )
        # 3. lang on <html>; lang and dir on the wrapper inside <body>.
        if not re.search(r'<html[^>]* lang="en-GB"', document):
            problems.append("rule 3: no lang on <html>")
        if not re.search(r'<body[^>]*>\s*<div[^>]* lang="en-GB"[^>]* dir="ltr"', document):
            problems.append("rule 3: no lang and dir on the wrapper inside <body>")
        # 4. The subject in <title>; one <h1>; real paragraphs.
        title = re.search(r"<title>(.*?)</title>", document, re.S)
        if not title or html.unescape(title.group(1)).strip() != subject:
            problems.append("rule 4: <title> is not the subject")
        if len(re.findall(r"<h1[\s>]", document)) != 1:
            problems.append("rule 4: not exactly one <h1>")
        if "<p" not in document:
            problems.append("rule 4: no paragraphs")
        # 5. Layout tables: role="presentation", no <th>.
        tables = re.findall(r"<table[^>]*>", document)
        if not tables or any('role="presentation"' not in table for table in tables):
            problems.append("rule 5: a layout table without role=presentation")
        if re.search(r"<th[\s>]", document):
            problems.append("rule 5: <th> in a layout table")
        # 6. One column, at most 600px; styles inline; no <style> needed.
        if "max-width:600px" not in document.replace(" ", ""):
            problems.append("rule 6: no max-width of 600px")
        for width in re.findall(r'width[=:]"?(\d+)(?:px)?', document):
            if int(width) > 600:
                problems.append(f"rule 6: something is {width}px wide")
        if "<style" in document:
            problems.append("rule 6: a <style> block (inline the styles that matter)")
        # 7 and 8. Size, alignment and line height of every text element.
        smallest = FORMAT_SIZES[reminder_format]
        for tag, style in re.findall(r"<(p|li|h1|h2|td)[^>]*style=\"([^\"]*)\"", document):
            size = re.search(r"font-size:(\d+)px", style)
            height = re.search(r"line-height:(\d+)px", style)
            if tag != "td" or size:
                if not size:
                    problems.append(f"rule 7: <{tag}> without an inline font size")
                    continue
                if int(size.group(1)) < smallest:
                    problems.append(f"rule 7: <{tag}> at {size.group(1)}px, below {smallest}px")
                if not height or int(height.group(1)) < 1.3 * int(size.group(1)):
                    problems.append(f"rule 8: <{tag}> line height below 1.3")
                if "text-align:left" not in style:
                    problems.append(f"rule 8: <{tag}> not left-aligned")
        if re.search(r"<(p|li)>", document):
            problems.append("rule 7: a paragraph without inline styles")
        if re.search(r"text-align:\s*(center|justify)|align=\"(center|justify)\"", document):
            problems.append("rule 8: centred or justified text")
        # 9. No bold, italics, underline or capitals for emphasis.
        if re.search(r"<(b|strong|em|i|u)[\s>]", document):
            problems.append("rule 9: emphasis markup")
        if re.search(r"font-style:\s*italic|text-transform:\s*uppercase", document):
            problems.append("rule 9: italic or capitals for emphasis")
        for tag, _style in re.findall(
            r"<(\w+)[^>]*style=\"([^\"]*font-weight:\s*(?:700|bold)[^\"]*)\"", document
        ):
            if tag not in ("h1", "h2"):
                problems.append(f"rule 9: bold <{tag}>")
        # 10. Contrast at least 4.5:1; links underlined.
        for colour in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", document):
            if contrast(colour) < 4.5:
                problems.append(f"rule 10: colour {colour} has contrast {contrast(colour):.1f}")
        for anchor in re.findall(r"<a [^>]*>", document):
            if "text-decoration:underline" not in anchor:
                problems.append(f"rule 10: a link that is not underlined: {anchor}")
        # 11. Link text says what it does.
        links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', document, re.S)
        for _href, link_text in links:
            if link_text.strip().lower() in NOT_LINK_TEXT or len(link_text.split()) < 2:
                problems.append(f"rule 11: vague link text {link_text!r}")
        # 13. Images have alt text.
        for image in re.findall(r"<img[^>]*>", document):
            if not re.search(r'alt="[^"]+"', image):
                problems.append(f"rule 13: a picture without alt text: {image}")
        # 15. One thing to do, first: the first link is not the footer's.
        if action_link and links and ("/emails/" in links[0][0]):
            problems.append("rule 15: the first link is the preferences link")
        # 18. The last link changes or stops emails, without signing in.
        if list_headers and (not links or "/emails/" not in links[-1][0]):
            problems.append("rule 18: the last link does not change or stop emails")
        # 12. Invitations show the full https address too.
        if (
            shows_full_address
            and links
            and links[0][0]
            not in html_to_text(re.sub(r"<a [^>]*>.*?</a>", "", document, flags=re.S))
        ):
            problems.append("rule 12: the full address of the link is not shown")

    # 14. Subject: short, the action first, then the project.
    if len(subject) > 120:
        problems.append(f"rule 14: subject too long ({len(subject)})")
    if subject.split()[0].rstrip(":") not in ACTIONS:
        problems.append(f"rule 14: subject does not start with an action: {subject!r}")
    if project_name and not subject.endswith(f" - {project_name}"):
        problems.append(f"rule 14: subject does not end with the project: {subject!r}")
    if "click" in subject.lower():
        problems.append("rule 14: 'click' in the subject")

    # 16 and 17. Sentence length.
    body = body_text(text)
    if reminder_format == "easy_words":
        for line in body.splitlines():
            line = URL.sub("", line).strip()
            if line and len(line.split()) > 15:
                problems.append(f"rule 17: easy words line over 15 words: {line!r}")
            if line and len(re.findall(r"[.!?](\s|$)", line)) > 1 and not line.startswith("-"):
                problems.append(f"rule 17: more than one sentence on a line: {line!r}")
    else:
        for sentence in sentences(body):
            if len(sentence.split()) > 25:
                problems.append(f"rule 16: sentence over 25 words: {sentence!r}")

    # 18 in plain text: a way to change or stop emails at the end.
    footer = text.split("\n--\n")[-1] if "\n--\n" in text else ""
    if list_headers and not URL.search(footer):
        problems.append("rule 18: no link to change or stop emails at the end")

    # 19. List-Unsubscribe and one-click List-Unsubscribe-Post.
    if list_headers:
        headers = message.extra_headers
        unsubscribe = headers.get("List-Unsubscribe", "")
        if not re.fullmatch(r"<https://[^>]+>", unsubscribe):
            problems.append(f"rule 19: List-Unsubscribe is {unsubscribe!r}")
        if headers.get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click":
            problems.append("rule 19: no List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    return problems
