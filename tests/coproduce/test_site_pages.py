"""The parts of every page that belong to the whole site: the favicon, htmx
only on the pages that use it, and the accessibility statement that each
organisation fills from its settings."""

import re
from datetime import date
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.coproduce.test_settings_and_health import PRODUCTION, _settings_check
from tests.decisions.support import build_world, make_decision

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_page_links_to_the_svg_favicon(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = Path(finders.find("favicon.svg")).read_text()
    assert icon.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'stroke="#1d70b8"' in icon
    assert 'fill="#ffffff"' in icon


def test_favicon_ico_sends_browsers_to_the_svg_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == HTTPStatus.METHOD_NOT_ALLOWED


HTMX_SCRIPT = re.compile(
    r'<script src="/static/django-htmx/[^"]*"|<script src="/static/[^"]*htmx[^"]*\.js"'
)


def _has_htmx(html: str) -> bool:
    return bool(HTMX_SCRIPT.search(html)) and 'name="htmx-config"' in html


def test_the_decision_page_loads_htmx(client, db):
    world = build_world()
    decision = make_decision(world, title="Open the day centre until 6pm")
    client.force_login(world.professional.user)
    html = client.get(decision.get_absolute_url()).content.decode()
    assert "hx-post=" in html
    assert _has_htmx(html)
    assert '"allowEval": false' in html


@pytest.mark.parametrize("name", ["home", "participants:profile", "participants:display"])
def test_pages_without_htmx_attributes_do_not_load_htmx(client, user, name):
    client.force_login(user)
    html = client.get(reverse(name)).content.decode()
    assert "hx-" not in html
    assert not _has_htmx(html)
    assert "htmx" not in html
    # The site's own script still comes on every page.
    assert '<script src="/static/js/coproduce.js" defer></script>' in html


def test_the_sign_in_page_does_not_load_htmx(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert "htmx" not in html


def test_every_template_with_htmx_attributes_loads_htmx():
    """A template (or a partial rendered into a page) that uses hx-
    attributes is one whose page fills the scripts block with htmx."""
    using = {
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"\shx-[a-z]+=", path.read_text())
    }
    assert using == {"decisions/detail.html", "decisions/propose.html"}, (
        "a new template uses htmx: fill {% block scripts %} with "
        '{% include "includes/htmx.html" %} on the pages it is part of, and list it here'
    )
    for name in using:
        assert (
            '{% block scripts %}{% include "includes/htmx.html" %}{% endblock scripts %}'
            in (TEMPLATES / name).read_text()
        )


def test_the_accessibility_statement_shows_who_to_contact_and_when_it_was_tested(
    client, db, settings
):
    settings.COPRODUCE_SITE_OPERATOR = "Riverside Council"
    settings.COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL = "access@riverside.example.org"
    settings.COPRODUCE_ACCESSIBILITY_CONTACT_PHONE = "0161 496 0000"
    settings.COPRODUCE_ACCESSIBILITY_REPLY_DAYS = 10
    settings.COPRODUCE_ACCESSIBILITY_LAST_TESTED = date(2026, 11, 20)
    settings.COPRODUCE_ACCESSIBILITY_STATEMENT_REVIEWED = date(2026, 11, 27)
    response = client.get(reverse("accessibility"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "It is run by Riverside Council." in html
    assert 'href="mailto:access@riverside.example.org">access@riverside.example.org</a>' in html
    assert '<a href="tel:01614960000">0161 496 0000</a>' in html
    assert "We will reply within 10 working days." in html
    assert "This site was last tested on Friday 20 November 2026." in html
    assert "It was last reviewed on Friday 27 November 2026." in html
    assert "Equality and Human Rights Commission (EHRC)" in html
    assert "Equality Advisory and Support Service (EASS)" in html
    known = re.search(r'<h2 id="known-issues">.*?<ul>(.*?)</ul>', html, re.S).group(1)
    assert known.count("<li>") >= 3


def test_the_accessibility_statement_without_a_phone_gives_only_the_email(client, db, settings):
    settings.COPRODUCE_ACCESSIBILITY_CONTACT_PHONE = ""
    settings.COPRODUCE_ACCESSIBILITY_REPLY_DAYS = 1
    html = client.get(reverse("accessibility")).content.decode()
    assert "Phone:" not in html
    assert "tel:" not in html
    assert "mailto:" in html
    assert "We will reply within 1 working day." in html


def test_the_accessibility_contact_defaults_to_the_sender_of_emails():
    result = _settings_check(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL,"
        " s.COPRODUCE_ACCESSIBILITY_LAST_TESTED)",
        **PRODUCTION,
        DEFAULT_FROM_EMAIL="Riverside Coproduce <coproduce@riverside.example.org>",
        COPRODUCE_ACCESSIBILITY_LAST_TESTED="2026-10-05",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "coproduce@riverside.example.org",
        "2026-10-05",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        (
            "COPRODUCE_ACCESSIBILITY_LAST_TESTED",
            "1/12/2026",
            "COPRODUCE_ACCESSIBILITY_LAST_TESTED must be a date such as 2026-12-01 "
            "(year-month-day), not '1/12/2026'",
        ),
        (
            "COPRODUCE_ACCESSIBILITY_STATEMENT_REVIEWED",
            "2026-13-01",
            "COPRODUCE_ACCESSIBILITY_STATEMENT_REVIEWED must be a date such as 2026-12-01",
        ),
        (
            "COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL",
            "access desk",
            "COPRODUCE_ACCESSIBILITY_CONTACT_EMAIL must be an email address",
        ),
        (
            "COPRODUCE_ACCESSIBILITY_REPLY_DAYS",
            "0",
            "COPRODUCE_ACCESSIBILITY_REPLY_DAYS must be from 1 to 60 working days, not 0",
        ),
    ],
)
def test_a_bad_accessibility_setting_stops_start_up_in_one_plain_line(variable, value, says):
    result = _settings_check(**{**PRODUCTION, variable: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Coproduce cannot start: {says}"), lines[0]
