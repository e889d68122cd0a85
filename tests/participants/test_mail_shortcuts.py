"""The two shortcuts emails take for speed (participants/mail/) give what the
plain way gives: the MIME writer against Django's own
EmailMessage.message(), and the style inliner against an HTML parser."""

from email import message_from_bytes, policy
from html.parser import HTMLParser

import pytest
from django.core.mail import EmailMultiAlternatives

from coproduce.pictures import png_bytes
from participants.mail.mime import EmailWithPictures, PreparedEmail
from participants.mail.styles import VARIANTS, inline_styles

LONG_LINE = "word " * 300  # over SMTP's 998-octet line limit: quoted-printable

CASES = [
    ("Vote closes tomorrow: Opening hours - Riverside", "Please vote.\n", "<p>Please vote.</p>"),
    ("Café hours: “late” opening – Riverside", "Thé and café ☕\nLine two\n", "<p>Café</p>"),
    ("A long line", LONG_LINE + "\n", f"<p>{LONG_LINE}</p>"),
    ("Plain text only", "Just text.\n", None),
]
HEADERS = {
    "List-Unsubscribe": "<https://coproduce.example.org/emails/stop/" + "x" * 120 + "/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Auto-Submitted": "auto-generated",
    "X-Coproduce-Kind": "closing_soon",
}


def _parsed(cls, subject, text, html, settings):
    message = cls(subject, text, settings.DEFAULT_FROM_EMAIL, ["sam@example.org"], headers=HEADERS)
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def _parts(parsed):
    return [
        (part.get_content_type(), part.get_content().replace("\r\n", "\n"))
        for part in parsed.walk()
        if not part.is_multipart()
    ]


@pytest.mark.parametrize(("subject", "text", "html"), CASES)
@pytest.mark.parametrize(
    "sender", ["Coproduce <hello@example.org>", "Café Coproduce <c@example.org>"]
)
def test_the_mime_writer_gives_what_django_gives(subject, text, html, sender, settings):
    settings.DEFAULT_FROM_EMAIL = sender
    quick = _parsed(PreparedEmail, subject, text, html, settings)
    plain = _parsed(EmailMultiAlternatives, subject, text, html, settings)
    for header in ["Subject", "From", "To", "MIME-Version", *HEADERS]:
        assert str(quick[header]) == str(plain[header]), header
    assert quick.get_content_type() == plain.get_content_type()
    assert _parts(quick) == _parts(plain)
    assert quick["Date"]
    assert quick["Message-ID"]
    # Every line fits SMTP's limit, as Django's do.
    raw = PreparedEmail(subject, text, sender, ["sam@example.org"]).message().as_bytes()
    assert max(len(line) for line in raw.split(b"\n")) <= 998


class _Styles(HTMLParser):
    """The plain way: parse the HTML and note each element's style."""

    def __init__(self):
        super().__init__()
        self.styles: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.styles.append((tag, dict(attrs).get("style")))

    def handle_data(self, data):
        self.text.append(data)


def _read(html):
    parser = _Styles()
    parser.feed(html)
    return parser


BODY = (
    '<h1>Vote closes tomorrow</h1>\n<p>There is a <a href="https://x.example/">decision</a>.</p>'
    "\n<h2>What it is about</h2>\n<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n<ol><li>Three</li></ol>"
)


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=lambda variant: variant.name)
def test_the_inliner_styles_every_element_and_changes_nothing_else(variant):
    before, after = _read(BODY), _read(inline_styles(BODY, variant))
    assert after.text == before.text
    assert [tag for tag, _style in after.styles] == [tag for tag, _style in before.styles]
    for tag, style in after.styles:
        assert style, f"<{tag}> has no style"
        if tag in ("p", "li"):
            assert f"font-size:{variant.font_px}px" in style
            assert f"line-height:{variant.line_px}px" in style
            assert "text-align:left" in style
        if tag == "h1":
            assert f"font-size:{variant.h1_px}px" in style
        if tag == "a":
            assert "text-decoration:underline" in style


def _with_pictures(cls, settings, pictures):
    message = cls("Easy words", "Please vote.\n", settings.DEFAULT_FROM_EMAIL, ["sam@example.org"])
    message.attach_alternative(
        "".join(f'<img src="cid:picture-{name}@coproduce" alt="">' for name in pictures),
        "text/html",
    )
    message.pictures = pictures
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def _picture_parts(parsed):
    return [
        (
            part.get_content_type(),
            part.get_content_disposition(),
            part.get_filename(),
            str(part["Content-ID"]),
            part.get_content(),
        )
        for part in parsed.walk()
        if part.get_content_maintype() == "image"
    ]


def test_the_mime_writer_attaches_pictures_as_the_email_package_does(settings):
    """Easy words: the HTML and its pictures in a multipart/related part, the
    quick way (PreparedEmail) and the plain way (EmailWithPictures, through
    Python's email package) alike."""
    pictures = ("vote", "clock")
    quick = _with_pictures(PreparedEmail, settings, pictures)
    plain = _with_pictures(EmailWithPictures, settings, pictures)
    shape = [part.get_content_type() for part in quick.walk()]
    assert shape == [part.get_content_type() for part in plain.walk()]
    assert shape == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "image/png",
    ]
    assert _picture_parts(quick) == _picture_parts(plain)
    assert _picture_parts(quick)[0][3] == "<picture-vote@coproduce>"
    assert _picture_parts(quick)[0][4] == png_bytes("vote")
    words = [
        [part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text"]
        for parsed in (quick, plain)
    ]
    assert words[0] == words[1]
    raw = PreparedEmail("x", "y", "a@example.org", ["b@example.org"])
    raw.attach_alternative("<p>y</p>", "text/html")
    raw.pictures = pictures
    assert max(len(line) for line in raw.message().as_bytes().split(b"\n")) <= 998
