"""The easy-words pictures (coproduce/pictures.py): each one is in
static/pictures/ as an SVG for pages and a PNG for emails, OpenMoji's licence
is beside them, and every page credits them."""

import re
import struct
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse

from coproduce.pictures import PICTURES, SIZE, pictures_folder


def test_every_picture_has_an_svg_a_png_and_alt_text():
    for picture in PICTURES.values():
        svg = finders.find(picture.svg_path)
        assert svg, picture.svg_path
        assert "<svg" in Path(svg).read_text()
        png = (pictures_folder() / f"{picture.name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (SIZE * 2, SIZE * 2), picture.name
        assert picture.alt.strip(), picture.name
        assert picture.alt[0].isupper(), picture.name


def test_nothing_else_is_in_the_pictures_folder_but_the_licence():
    names = {path.name for path in pictures_folder().iterdir()}
    expected = {f"{name}.{ext}" for name in PICTURES for ext in ("svg", "png")}
    assert names == expected | {"LICENSE.txt"}
    licence = (pictures_folder() / "LICENSE.txt").read_text()
    assert "Attribution-ShareAlike 4.0 International" in licence


def test_every_page_credits_openmoji(client, db):
    html = client.get(reverse("accessibility")).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert re.search(r'Pictures by <a href="https://openmoji.org">OpenMoji</a>', footer)
    assert "CC BY-SA 4.0" in footer
