"""Forms as a screen reader hears them and as the error summary leads to
them: read from Chromium's accessibility tree and the page as shown."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from decisions.models import Decision
from participants.models import Invitation
from projects.models import Membership
from tests.browser.conftest import ROLES
from tests.browser.crawling import axe_violations

pytestmark = pytest.mark.browser


def ax_nodes(page, role: str) -> list[dict]:
    """The accessibility tree's nodes with this role: what assistive
    technology is given, with each node's properties by name."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [
        {
            "name": node.get("name", {}).get("value", ""),
            **{prop["name"]: prop["value"].get("value") for prop in node.get("properties", [])},
        }
        for node in nodes
        if node.get("role", {}).get("value") == role
    ]


@pytest.fixture
def vote_page(demo, sign_in, new_context, base_url):
    """The participant's page of an open decision they have not voted on."""
    decision = (
        Decision.objects.open()
        .filter(project__memberships__user__email=ROLES["participant"])
        .exclude(votes__member__user__email=ROLES["participant"])
        .order_by("closes_at")
        .first()
    )
    assert decision is not None, "the demo has an open decision for the participant"
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(base_url + decision.get_absolute_url())
    return page


def test_the_vote_radios_are_not_announced_invalid_before_a_choice(vote_page):
    radios = ax_nodes(vote_page, "radio")

    assert len(radios) >= 2, radios
    assert all(radio.get("invalid", "false") == "false" for radio in radios), radios
    # Still a question that must be answered: sent empty, the form says so,
    # and only then are its radios exposed as invalid.
    vote_page.get_by_role("button", name="Send my vote").click()
    expect(vote_page.locator("[data-error-summary] [role=alert]")).to_contain_text(
        "There is a problem"
    )
    radios = ax_nodes(vote_page, "radio")
    assert radios
    assert all(radio.get("invalid") == "true" for radio in radios), radios


def test_an_error_summary_link_shows_the_question_with_its_field(vote_page):
    vote_page.set_viewport_size({"width": 320, "height": 640})
    # No smooth scrolling, so what is in view is checked where the page stops.
    vote_page.emulate_media(reduced_motion="reduce")
    vote_page.get_by_role("button", name="Send my vote").click()
    summary = vote_page.locator("[data-error-summary]")
    expect(summary).to_be_focused()

    summary.get_by_role("link").first.click()

    first_radio = vote_page.locator("input[type=radio]").first
    expect(first_radio).to_be_focused()
    legend = vote_page.locator("fieldset", has=first_radio).locator("legend")
    top = vote_page.evaluate(
        "legend => legend.getBoundingClientRect().top", legend.element_handle()
    )
    assert 0 <= top < 100, f"the question is {top} px from the top of the window"


def invitations_url(base_url) -> str:
    """The invitations page of the demo facilitator's project."""
    membership = (
        Membership.objects.select_related("project")
        .filter(user__email=ROLES["facilitator"], is_facilitator=True)
        .first()
    )
    assert membership is not None, "the demo has a project the facilitator runs"
    return base_url + reverse("participants:invitations", args=[membership.project.slug])


def email_box(page, number: int):
    return page.get_by_role("textbox", name=f"Email address for person {number}", exact=True)


def joins_as(page, number: int):
    return page.get_by_role("group", name=f"Person {number} joins as", exact=True)


def test_inviting_one_by_one_without_javascript(demo, sign_in, new_context, base_url):
    """A row for each person, named for screen readers; more rows and a
    failed send keep everything typed, and every problem names its row."""
    context = new_context(java_script_enabled=False)
    sign_in(context, "facilitator")
    page = context.new_page()
    page.goto(invitations_url(base_url))
    emails = page.get_by_role("textbox", name=re.compile(r"^Email address for person \d+$"))
    expect(emails).to_have_count(5)
    email_box(page, 1).fill("ann@example.org")
    joins_as(page, 1).get_by_label("Professional").check()
    email_box(page, 2).fill("not an address")

    page.get_by_role("button", name="Add rows for 5 more people").click()

    expect(emails).to_have_count(10)
    assert page.url.endswith("#person-6")
    expect(email_box(page, 1)).to_have_value("ann@example.org")
    professional = joins_as(page, 1).get_by_label("Professional")
    expect(professional).to_be_checked()
    email_box(page, 7).fill("jo@example.org")

    page.get_by_role("button", name="Send invitations").click()

    expect(page).to_have_title(re.compile(r"^Error: Invite people to "))
    links = page.locator("[data-error-summary] a")
    expect(links).to_have_text(
        [
            "Enter a real email address for person 2, like name@example.org",
            "Choose whether person 2 joins as a participant or a professional",
            "Choose whether person 7 joins as a participant or a professional",
        ]
    )
    expect(email_box(page, 2)).to_have_value("not an address")
    expect(email_box(page, 7)).to_have_value("jo@example.org")
    expect(professional).to_be_checked()
    assert not Invitation.objects.filter(email__in=["ann@example.org", "jo@example.org"]).exists()


def test_an_error_summary_link_leads_to_the_persons_row(demo, sign_in, new_context, base_url):
    context = new_context()
    sign_in(context, "facilitator")
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(reduced_motion="reduce")
    page.goto(invitations_url(base_url))
    email_box(page, 1).fill("ann@example.org")
    email_box(page, 3).fill("ann@example")
    page.get_by_role("button", name="Send invitations").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()

    summary.get_by_role("link", name="Enter a real email address for person 3").click()

    box = email_box(page, 3)
    expect(box).to_be_focused()
    label = page.locator("label[for=rows_email_3]")
    top = page.evaluate("label => label.getBoundingClientRect().top", label.element_handle())
    assert 0 <= top < 100, f"the label is {top} px from the top of the window"
    summary.get_by_role("link", name="Choose whether person 1 joins as").click()
    expect(joins_as(page, 1).get_by_role("radio").first).to_be_focused()


def test_the_whole_list_of_time_zones_shows_once_somewhere_else_is_chosen(
    demo, sign_in, new_context, base_url
):
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(base_url + reverse("participants:profile_emails"))
    places = page.get_by_role("combobox", name="Where do you live? Choose the nearest place")
    elsewhere = page.get_by_role("radio", name="Somewhere else")

    expect(places).to_be_hidden()
    expect(elsewhere).to_have_attribute("aria-controls", "id_timezone_elsewhere_reveal")
    # ARIA does not allow aria-expanded on a radio (axe: aria-allowed-attr).
    expect(elsewhere).not_to_have_attribute("aria-expanded", re.compile(".*"))
    assert axe_violations(page, "profile emails, before choosing") == []

    elsewhere.check()

    expect(places).to_be_visible()
    places.select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save your email choices").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()
    assert "Tokyo" in page.locator("main").inner_text()
    assert axe_violations(page, "profile after choosing a time zone elsewhere") == []
