"""The pictures that go with key ideas in easy words: on the easy-words parts
of pages, and in easy-words emails.

They come from OpenMoji (https://openmoji.org), an openly licensed symbol set
(CC BY-SA 4.0), published on npm as the ``openmoji`` package. ``manage.py
pictures`` copies the ones named here out of that package into
static/pictures/ (an SVG for pages, a PNG for emails, where most mail
programs show no SVG), so a self-hoster needs neither npm nor the internet.
The footer, the accessibility statement and the README credit OpenMoji.

Every picture has alt text: a few plain words saying what it shows. The
words beside a picture always say the idea too, so a person who cannot see
the picture misses nothing.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

OPENMOJI_VERSION = "17.0.0"
CREDIT = "Pictures by OpenMoji, licensed CC BY-SA 4.0"
CREDIT_URL = "https://openmoji.org"

# The size pictures are shown at, in CSS pixels; the PNG for email has twice
# as many pixels each way, to stay sharp on high-density screens.
SIZE = 48


@dataclass(frozen=True)
class Picture:
    name: str
    hexcode: str  # the OpenMoji file name
    alt: str

    @property
    def svg_path(self) -> str:
        return f"pictures/{self.name}.svg"

    @property
    def png_path(self) -> str:
        return f"pictures/{self.name}.png"

    @property
    def content_id(self) -> str:
        """The address an email's HTML uses for its attached PNG."""
        return f"picture-{self.name}@coproduce"


PICTURES = {
    picture.name: picture
    for picture in [
        Picture("vote", "1F5F3", "A ballot box"),
        Picture("clock", "23F0", "A clock"),
        Picture("decided", "2705", "A tick"),
        Picture("no-answer", "2753", "A question mark"),
        Picture("help", "1F64B", "A person with a hand up"),
        Picture("ladder", "1FA9C", "A ladder"),
        Picture("people", "1F465", "Two people"),
        Picture("talk", "1F4AC", "A speech bubble"),
        Picture("outcome", "1F4DD", "A note being written"),
        Picture("finished", "1F3C1", "A finish flag"),
        Picture("next", "27A1", "An arrow pointing on"),
        Picture("invitation", "2709", "An envelope"),
    ]
}


def picture(name: str) -> Picture:
    try:
        return PICTURES[name]
    except KeyError:
        raise ValueError(
            f"No picture named {name!r}; the names are in coproduce/pictures.py"
        ) from None


def pictures_folder() -> Path:
    return Path(settings.BASE_DIR) / "static" / "pictures"


@cache
def png_bytes(name: str) -> bytes:
    """The PNG of a picture, for attaching to an email (read once)."""
    return (pictures_folder() / f"{name}.png").read_bytes()
