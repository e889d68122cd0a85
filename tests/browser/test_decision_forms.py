"""Two decision forms with and without JavaScript: the name of the person
who helped someone vote (a GOV.UK conditional reveal, static/js/coproduce.js)
and proposing a decision, whose kind is asked first (two steps without
JavaScript; with htmx, the kind's questions come in under the kinds)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from decisions.models import Decision
from projects.models import Stage
from tests.browser.conftest import ROLES
from tests.browser.crawling import axe_violations, shell_problems
from tests.browser.test_forms import ax_nodes

pytestmark = pytest.mark.browser


def problems(page, label):
    """axe-core's violations and the page shell's rules (one h1, the title,
    "Error: " with an error summary whose links lead to fields)."""
    return axe_violations(page, label) + shell_problems(page, label)


HELPED = "Someone helped me to vote (a carer, supporter or advocate)"
HELPER_NAME = "Name of the person who helped"
CONSENT = "A proposal to agree to or not (consent)"
CHOICE = "Choose between options"
PASS_RULE = "How does a proposal to agree to or not (consent) pass?"


def _vote_url(base_url) -> str:
    decision = (
        Decision.objects.open()
        .filter(project__memberships__user__email=ROLES["participant"])
        .exclude(votes__member__user__email=ROLES["participant"])
        .order_by("closes_at")
        .first()
    )
    assert decision is not None, "the demo has an open decision for the participant"
    return base_url + decision.get_absolute_url()


def _propose_url(base_url) -> str:
    stage = (
        Stage.objects.current()
        .filter(project__memberships__user__email=ROLES["participant"])
        .select_related("project")
        .first()
    )
    assert stage is not None, "the demo participant has a project in a stage"
    return base_url + reverse("decisions:propose", args=[stage.project.slug])


def _checkbox_node(page, name):
    nodes = [node for node in ax_nodes(page, "checkbox") if node["name"] == name]
    assert len(nodes) == 1, nodes
    return nodes[0]


def test_the_helper_name_shows_only_when_someone_helped(demo, sign_in, new_context, base_url):
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(_vote_url(base_url))
    helped = page.get_by_role("checkbox", name=HELPED)
    name_box = page.get_by_role("textbox", name=HELPER_NAME)

    expect(name_box).to_be_hidden()
    expect(helped).to_have_attribute("aria-controls", "id_vote-supporter_reveal")
    expect(helped).to_have_attribute("aria-expanded", "false")
    assert _checkbox_node(page, HELPED)["expanded"] is False

    helped.check()

    expect(name_box).to_be_visible()
    expect(helped).to_have_attribute("aria-expanded", "true")
    assert _checkbox_node(page, HELPED)["expanded"] is True
    assert problems(page, "vote form, someone helped") == []
    # The box that was shown is right under the checkbox, for the keyboard too.
    page.keyboard.press("Tab")
    expect(name_box).to_be_focused()

    helped.uncheck()
    expect(name_box).to_be_hidden()
    expect(helped).to_have_attribute("aria-expanded", "false")

    # Ticked without a name: refused, and the box shows with its error.
    helped.check()
    page.locator("#vote input[type=radio]").first.check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.locator("[data-error-summary]")).to_contain_text(
        "Enter the name of the person who helped"
    )
    expect(page.get_by_role("textbox", name=HELPER_NAME)).to_be_visible()
    expect(page.get_by_role("checkbox", name=HELPED)).to_have_attribute("aria-expanded", "true")


def test_without_javascript_the_helper_name_always_shows(demo, sign_in, new_context, base_url):
    context = new_context(java_script_enabled=False)
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(_vote_url(base_url))
    helped = page.get_by_role("checkbox", name=HELPED)
    name_box = page.get_by_role("textbox", name=HELPER_NAME)

    expect(helped).not_to_be_checked()
    expect(name_box).to_be_visible()
    expect(name_box).to_have_accessible_description(re.compile(r"^Only if someone helped you\."))
    # Nothing is hidden, so nothing is announced as collapsed.
    expect(helped).not_to_have_attribute("aria-expanded", re.compile(".*"))


def test_choosing_the_kind_brings_its_questions_in_place(demo, sign_in, new_context, base_url):
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(_propose_url(base_url))
    page.evaluate("window.sameDocument = true")
    continue_button = page.get_by_role("button", name="Continue")
    expect(continue_button).to_be_visible()
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_count(0)

    page.get_by_role("radio", name=CHOICE).check()

    first_option = page.get_by_role("textbox", name="Option 1 (optional)", exact=True)
    expect(first_option).to_be_visible()
    expect(continue_button).to_have_count(0)
    expect(page.get_by_role("group", name=PASS_RULE)).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(f"The questions for “{CHOICE}” are below.")
    expect(page.get_by_role("radio", name=CHOICE)).to_be_focused()
    assert page.evaluate("window.sameDocument") is True, "the page was loaded again"
    assert problems(page, "propose, a choice's questions swapped in") == []

    page.get_by_role("textbox", name="Title", exact=True).fill("Paint the hall")
    page.get_by_role("radio", name=CONSENT).check()

    expect(page.get_by_role("group", name=PASS_RULE)).to_be_visible()
    expect(first_option).to_have_count(0)
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_value("Paint the hall")
    assert page.evaluate("window.sameDocument") is True

    closes = timezone.localdate() + timedelta(days=7)
    page.get_by_role("textbox", name="What is the proposal?").fill("Paint it yellow.")
    page.get_by_role("textbox", name="Day").fill(str(closes.day))
    page.get_by_role("textbox", name="Month").fill(str(closes.month))
    page.get_by_role("textbox", name="Year").fill(str(closes.year))
    page.get_by_role("textbox", name="Closing time").fill("5pm")
    page.get_by_role("button", name="Propose the decision").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Paint the hall")
    decision = Decision.objects.get(title="Paint the hall")
    assert (decision.kind, decision.description) == ("consent", "Paint it yellow.")


def test_proposing_without_javascript_takes_two_steps(demo, sign_in, new_context, base_url):
    context = new_context(java_script_enabled=False)
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(_propose_url(base_url))

    page.get_by_role("radio", name=CHOICE).check()
    page.get_by_role("button", name="Continue").click()

    assert page.url.endswith("?kind=choice")
    expect(page.get_by_text(f"The kind of decision: {CHOICE}.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Option 1 (optional)", exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name=CONSENT)).to_have_count(0)
    page.get_by_role("textbox", name="Title", exact=True).fill("Paint the hall")
    page.get_by_role("button", name="Change the kind").click()

    expect(page.get_by_role("radio", name=CHOICE)).to_be_checked()
    page.get_by_role("radio", name=CONSENT).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text(f"The kind of decision: {CONSENT}.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_value("Paint the hall")
    expect(page.get_by_role("group", name=PASS_RULE)).to_be_visible()
    expect(page.get_by_role("textbox", name="Option 1 (optional)", exact=True)).to_have_count(0)


def test_each_step_passes_axe_and_its_errors_too(demo, sign_in, new_context, base_url):
    """The crawl (test_axe_crawl.py) reaches step 1 and its error; the
    second step has no link to it, so it is checked here, for each kind."""
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    url = _propose_url(base_url)
    for kind in ("choice", "consent"):
        page.goto(f"{url}?kind={kind}")
        assert problems(page, f"propose, the questions for {kind}") == []
        page.get_by_role("button", name="Propose the decision").click()
        expect(page).to_have_title(re.compile(r"^Error: Propose a decision in "))
        expect(page.locator("[data-error-summary]")).to_be_focused()
        assert problems(page, f"propose, the questions for {kind} sent empty") == []
        page.get_by_role("button", name="Change the kind").click()
        expect(
            page.get_by_role("radio", name=CHOICE if kind == "choice" else CONSENT)
        ).to_be_checked()
        assert problems(page, f"propose, back to the kind from {kind}") == []
