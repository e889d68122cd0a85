"""Forms as a screen reader hears them and as the error summary leads to
them: read from Chromium's accessibility tree and the page as shown."""

import pytest
from playwright.sync_api import expect

from decisions.models import Decision
from tests.browser.conftest import ROLES

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
