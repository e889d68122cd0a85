"""Every kind of email, in each HTML format, laid out by a real browser
(docs/email-rules.md rule 6): one column at most 600 px wide on a wide screen, and
still readable on a 280 px screen, with nothing wider than the screen (long
addresses and words wrap instead of pushing the text off the side)."""

from datetime import timedelta

import pytest
import time_machine

from participants.models import User
from tests.browser import conftest as browser
from tests.participants.email_rules import html_part
from tests.participants.support import NOW, build_project
from tests.participants.test_email_templates import KINDS, scenario

pytestmark = pytest.mark.browser

browser_type_launch_args = browser.browser_type_launch_args

HTML_FORMATS = ["standard", "large_print", "easy_words"]
SMALLEST_TEXT = {"standard": 19, "large_print": 24, "easy_words": 21}

MEASURE = """() => {
    const texts = [...document.querySelectorAll('p, li, h1, h2')];
    const column = document.querySelector('table table');
    return {
        scrollWidth: document.documentElement.scrollWidth,
        column: column.getBoundingClientRect().width,
        smallest: Math.min(...texts.map(el => parseFloat(getComputedStyle(el).fontSize))),
        overflowing: texts.filter(el => el.getBoundingClientRect().right > innerWidth + 0.5)
            .map(el => el.textContent.slice(0, 60)),
    };
}"""


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_fits_a_small_screen_and_a_600px_column(
    kind, db, django_capture_on_commit_callbacks, mailoutbox, browser
):
    timing = User.ReminderTiming.DAILY if kind == "digest" else User.ReminderTiming.IMMEDIATE
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = build_project(formats=HTML_FORMATS, timing=timing)
    sent = scenario(kind, world, django_capture_on_commit_callbacks, mailoutbox)
    problems = []
    # A page of its own (not the `page` fixture, whose context settings are
    # shared with the tests of the site's pages).
    page = browser.new_page()
    for reminder_format in HTML_FORMATS:
        prefix = "invitee-" if kind == "invitation" else ""
        document = html_part(sent[f"{prefix}{reminder_format}@example.org"])
        for width in (280, 1024):
            page.set_viewport_size({"width": width, "height": 800})
            page.set_content(document)
            seen = page.evaluate(MEASURE)
            where = f"{kind} in {reminder_format} at {width}px"
            if seen["scrollWidth"] > width or seen["overflowing"]:
                problems.append(f"{where}: wider than the screen: {seen}")
            if seen["column"] > 600:
                problems.append(f"{where}: the column is {seen['column']}px wide")
            if seen["smallest"] < SMALLEST_TEXT[reminder_format]:
                problems.append(f"{where}: text at {seen['smallest']}px")
    page.close()
    assert not problems, "\n".join(problems)
