"""The managers' dashboard (/manage/) in Chromium: axe-core finds nothing on
it as a manager, in a wide window and at 320 CSS px with the largest text;
nothing on it scrolls sideways or is cut off with the text spacing override;
and it works with JavaScript switched off (it has none of its own)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import ROLES
from tests.browser.crawling import axe_violations, shell_problems
from tests.browser.test_layout import (
    CLIPPED_OR_OVERLAPPING,
    NARROW,
    TEXT_SPACING_CSS,
    WIDER_THAN_WINDOW,
)

pytestmark = pytest.mark.browser

DASHBOARD = reverse("decisions:dashboard")
# The demo's manager of Riverside only (staff, not a superuser); "manager"
# (Helen) is the site's superuser and sees Northfield too.
RAVI = "ravi@example.org"


def _checked(page, label: str) -> list[str]:
    return axe_violations(page, label) + shell_problems(page, label)


def _more_projects(number: int) -> None:
    """Enough projects in the demo's Riverside Council for a second page."""
    from projects.models import Organisation
    from tests.factories import ProjectFactory, StageFactory

    riverside = Organisation.objects.get(slug="riverside-council")
    for index in range(number):
        project = ProjectFactory(organisation=riverside, name=f"Walking group {index:02d}")
        StageFactory(project=project, position=1, current=True, name="Getting started")


@pytest.mark.parametrize("who", ["manager", RAVI])
def test_the_dashboard_passes_axe(who, demo, sign_in, new_context):
    _more_projects(10)
    context = new_context()
    sign_in(context, who)
    page = context.new_page()
    response = page.goto(DASHBOARD)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Managers' dashboard")
    expect(page.get_by_role("img", name=re.compile("Participants' share"))).not_to_have_count(0)
    expect(page.get_by_role("img", name=re.compile("Middle answers on the ladder"))).to_have_count(
        1
    )
    problems = _checked(page, f"{DASHBOARD} as {who}")
    pages = page.get_by_role("navigation", name="Pages of projects")
    pages.get_by_role("link", name="Next page").click()
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    problems += _checked(page, f"{DASHBOARD} page 2 as {who}")
    # The error state: an organisation they do not manage.
    page.goto(DASHBOARD + "?organisation=not-mine")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    problems += _checked(page, f"{DASHBOARD} as {who}, choosing another organisation")
    assert not problems, "\n\n".join(problems)


def test_the_dashboard_at_320_px_with_the_largest_text(demo, sign_in, new_context):
    """At 400% zoom with the largest text setting: axe finds nothing, no part
    of the page but a data table in its own box scrolls sideways, and the
    text spacing override cuts off and overlaps nothing (the charts' words
    included)."""
    from participants.models import User

    User.objects.filter(email=ROLES["manager"]).update(text_size=User.TextSize.LARGEST)
    context = new_context(viewport=NARROW, bypass_csp=True)
    sign_in(context, "manager")
    page = context.new_page()
    page.goto(DASHBOARD)
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-largest\b"))
    problems = axe_violations(page, f"{DASHBOARD} (320 px wide, largest text)")
    problems += page.evaluate(WIDER_THAN_WINDOW)
    problems += page.evaluate(CLIPPED_OR_OVERLAPPING)
    # The test's own style sheet is inline, which the site's Content Security
    # Policy rightly blocks, so this context bypasses it.
    page.add_style_tag(content=TEXT_SPACING_CSS)
    problems += [f"with text spacing: {found}" for found in page.evaluate(CLIPPED_OR_OVERLAPPING)]
    problems += [f"with text spacing: {found}" for found in page.evaluate(WIDER_THAN_WINDOW)]
    assert not problems, "\n".join(problems)


def test_the_dashboard_works_without_javascript(demo, sign_in, new_context):
    context = new_context(java_script_enabled=False)
    sign_in(context, "manager")
    page = context.new_page()
    page.goto(reverse("home"))
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Managers' dashboard"
    ).click()
    expect(page).to_have_title("Managers' dashboard - Coproduce")
    projects = page.get_by_role("table", name=re.compile(r"^Projects \d+ to \d+ of \d+$"))
    expect(projects.get_by_role("link", name="Riverside Day Service")).to_be_visible()
    expect(projects.get_by_role("rowheader", name=re.compile("Northfield"))).not_to_have_count(0)

    # The organisation filter is a plain form.
    page.get_by_label("Organisation", exact=True).select_option(label="Northfield Health Trust")
    page.get_by_role("button", name="Show projects").click()
    expect(page).to_have_url(re.compile(r"\?organisation=northfield-health-trust$"))
    expect(page.get_by_label("Organisation", exact=True)).to_have_value("northfield-health-trust")
    expect(projects.get_by_role("link", name="Riverside Day Service")).to_have_count(0)
    # The download keeps the choice.
    link = page.get_by_role("link", name=re.compile("Download these figures"))
    assert link.get_attribute("href").endswith("projects.csv?organisation=northfield-health-trust")
