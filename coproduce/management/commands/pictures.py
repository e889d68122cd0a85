"""Copy the pictures named in coproduce/pictures.py out of the OpenMoji npm
package into static/pictures/: each picture's SVG (for pages) and a PNG drawn
from it in Chromium (for emails), with OpenMoji's licence beside them.

For developers changing the set of pictures; the copies are committed, so a
self-hoster never runs this. Needs npm (to fetch the package) and Chromium
with Playwright (the development install has both)."""

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.pictures import OPENMOJI_VERSION, PICTURES, SIZE, pictures_folder


class Command(BaseCommand):
    requires_system_checks = []
    help = "Copy the easy-words pictures from the OpenMoji npm package into static/pictures/."

    def handle(self, *args, **options):
        folder = pictures_folder()
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as work:
            package = self._fetch(Path(work))
            for picture in PICTURES.values():
                source = package / "color" / "svg" / f"{picture.hexcode}.svg"
                if not source.exists():
                    raise CommandError(f"OpenMoji {OPENMOJI_VERSION} has no {picture.hexcode}.svg")
                shutil.copyfile(source, folder / f"{picture.name}.svg")
            shutil.copyfile(package / "LICENSE.txt", folder / "LICENSE.txt")
        self._draw_pngs(folder)
        self.stdout.write(f"{len(PICTURES)} pictures copied from OpenMoji {OPENMOJI_VERSION}.")

    def _fetch(self, work: Path) -> Path:
        npm = shutil.which("npm")
        if npm is None:
            raise CommandError("This needs npm, to fetch the OpenMoji package.")
        result = subprocess.run(  # noqa: S603  (npm, with a fixed package name)
            [npm, "pack", f"openmoji@{OPENMOJI_VERSION}", "--silent"],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        )
        tarball = work / result.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            archive.extractall(work, filter="data")
        return work / "package"

    def _draw_pngs(self, folder: Path) -> None:
        from playwright.sync_api import sync_playwright  # development install only

        chromium = shutil.which("chromium")
        pixels = SIZE * 2
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            page = browser.new_page(viewport={"width": pixels, "height": pixels})
            for picture in PICTURES.values():
                svg = (folder / f"{picture.name}.svg").read_text()
                page.set_content(
                    "<style>html,body{margin:0;background:transparent}"
                    f"svg{{display:block;width:{pixels}px;height:{pixels}px}}</style>{svg}"
                )
                page.screenshot(path=folder / f"{picture.name}.png", omit_background=True)
            browser.close()
