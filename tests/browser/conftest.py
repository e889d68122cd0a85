"""Browser tests: Debian's Chromium, driven by Playwright, against the pages
that pytest-django's live_server serves from the test database.

Chromium comes from CHROMIUM_PATH (default /usr/bin/chromium; CI installs
Debian's package). When it is missing the browser tests fail under CI=true and
are skipped, with the reason, everywhere else.

Marking forms for the accessibility crawl
-----------------------------------------
test_axe_crawl.py follows every link from the home page as each demo role,
then submits each form it found with its text fields emptied and checks the
page it gets back (normally the error summary). It leaves alone:

- forms that sign the member out,
- forms with nothing to fill in (only hidden fields and buttons, such as
  "Join this project"): they are actions, not questions, and have no error state,
- forms marked ``data-crawl="skip"`` (on the <form> or any element around it).

Mark a form ``data-crawl="skip"`` when sending it, even empty, would destroy
something the rest of the crawl needs, for example "Remove member" with a
reason box, or "Close decision" with an optional note:

    <form method="post" action="{% url ... %}" data-crawl="skip" novalidate>

Forms are sent only after every link has been followed. Links are followed
with GET, so a link must never change anything (ask on a page, then POST).
Pages need nothing else: the crawl finds new pages through their links.

Fixtures: ``demo`` (the demo data, see ROLES for its people), ``sign_in``
(a session cookie for a role), ``base_url`` (the live server), ``test_urls``
(the site plus the test pages of tests/browser/urls.py), and
pytest-playwright's ``page`` and ``new_context``.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.conftest import IN_CI

CRAWL_REPORT = pytest.StashKey[list[tuple[str, list[str]]]]()

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"

# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--mute-audio",
]

DEMO_PASSWORD = "coproduce-demo"  # the demo's public password (demo data only)

# The demo's people, one for each way of being in a project.
ROLES = {
    "participant": "aisha@example.org",
    "professional": "priya@example.org",
    "facilitator": "sam@example.org",
    "manager": "helen@example.org",  # organisation manager and staff
}
# People who are in no project, made when a test signs in as them: someone
# with an account who has not been invited yet, and a staff member (who may
# use the admin dashboard, but on the site is an outsider like anyone else).
NON_MEMBERS = {
    "outsider": {"email": "olu@example.org", "display_name": "Olu Adeyemi"},
    "staff": {"email": "sue@example.org", "display_name": "Sue Staff", "is_staff": True},
}


def chromium_missing_reason() -> str | None:
    path = Path(CHROMIUM_PATH)
    if not path.is_file() or not os.access(path, os.X_OK):
        return (
            f"Chromium was not found at {CHROMIUM_PATH}: install Debian's chromium "
            "(apt-get install chromium) or set CHROMIUM_PATH"
        )
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    reason = chromium_missing_reason()
    if reason:
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """Lets tests write page.goto("/accounts/login/")."""
    return live_server.url


@pytest.fixture
def demo(transactional_db):
    """The demo organisation, project, people and decisions, in the database
    that the live server reads (tests/conftest.py's fast password hasher keeps
    loading it quick; passwords are still checked for real)."""
    call_command("demo", force=True, verbosity=0, stdout=io.StringIO())


@pytest.fixture
def sign_in(demo, live_server):
    """sign_in(context, role) signs a browser context in as one of ROLES or
    NON_MEMBERS (or an email address) by giving it a real session cookie. test_keyboard.py
    signs in through the sign-in form itself."""
    from participants.models import User

    def _sign_in(context, role: str) -> None:
        if role in NON_MEMBERS:
            from tests.factories import UserFactory

            person = User.objects.filter(email=NON_MEMBERS[role]["email"]).first()
            person = person or UserFactory(**NON_MEMBERS[role])
        else:
            person = User.objects.get(email=ROLES.get(role, role))
        client = Client()
        client.force_login(person)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return _sign_in


@pytest.fixture
def test_urls(transactional_db, settings):
    """The site plus addresses that answer with the 400, 403, 429 and 500
    pages, a page with a wide table, and a small site for testing the
    crawler (tests/browser/urls.py)."""
    settings.ROOT_URLCONF = "tests.browser.urls"


@pytest.fixture
def crawl_report(pytestconfig):
    """crawl_report(summary, pages) adds a line to the summary printed at the
    end of the run (the pages are listed too with -v)."""

    def _report(summary: str, pages: list[str]) -> None:
        pytestconfig.stash.setdefault(CRAWL_REPORT, []).append((summary, pages))

    return _report


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(CRAWL_REPORT, [])
    if not lines:
        return
    terminalreporter.section("accessibility crawl")
    for summary, pages in lines:
        terminalreporter.write_line(summary)
        if config.getoption("verbose") > 0:
            for page in pages:
                terminalreporter.write_line(f"    {page}")
