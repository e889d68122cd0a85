"""The decision pages in a real browser, in the states the link crawl of
tests/browser cannot reach by itself: after voting, after an htmx comment
(and an htmx error), an anonymous choice after voting, a decision closed early
with its result, the outcome form with errors and the outcome written. Each
state is checked with axe-core; the discussion also works with JavaScript off."""

import pytest
from playwright.sync_api import expect

from decisions.models import Decision
from tests.browser import conftest as browser_conftest
from tests.browser.crawling import axe_violations, shell_problems

pytestmark = pytest.mark.browser


def problems(page, label):
    """axe-core's violations and the page shell's rules (one h1, the title,
    "Error: " with an error summary whose links lead to fields)."""
    return axe_violations(page, label) + shell_problems(page, label)


# The browser fixtures of tests/browser: Debian's Chromium, the live server,
# the demo data and signing in with a session cookie.
browser_type_launch_args = browser_conftest.browser_type_launch_args
base_url = browser_conftest.base_url
demo = browser_conftest.demo
sign_in = browser_conftest.sign_in


def test_voting_discussing_closing_and_the_outcome_pass_axe(demo, sign_in, new_context):
    consent = Decision.objects.get(title="Open the day centre until 6pm")
    choice = Decision.objects.get(title="Choose the new drop-in times")
    violations = []

    context = new_context()
    sign_in(context, "professional")
    page = context.new_page()
    page.goto(consent.get_absolute_url())
    violations += problems(page, "consent, not voted yet")

    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_text("Your vote is saved.")).to_be_visible()
    expect(page.get_by_text("Your vote now: Agree")).to_be_visible()
    violations += problems(page, "consent, voted")

    page.evaluate("window.__samePage = true")
    page.get_by_label("Your comment").fill("I can help in the afternoons.")
    page.get_by_role("button", name="Post your comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator("#discussion")).to_contain_text("I can help in the afternoons.")
    assert page.evaluate("window.__samePage === true"), "htmx should not reload the page"
    violations += problems(page, "after posting a comment with htmx")

    page.get_by_role("button", name="Post your comment").click()
    expect(page.locator("#discussion .error-summary")).to_contain_text("Write your comment")
    assert page.evaluate("window.__samePage === true")
    violations += problems(page, "after posting an empty comment with htmx")

    page.goto(choice.get_absolute_url())
    page.get_by_label("Wednesday 10am to 12pm").check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_text("Your vote now: Wednesday 10am to 12pm")).to_be_visible()
    violations += problems(page, "anonymous choice, voted")

    facilitator = new_context()
    sign_in(facilitator, "facilitator")
    page = facilitator.new_page()
    page.goto(consent.get_absolute_url())
    page.get_by_label("Why are you closing the vote early?").fill("We agreed at the meeting.")
    page.get_by_role("button", name="Close the vote now").click()
    expect(page.get_by_text("The vote is closed and the votes are counted.")).to_be_visible()
    expect(page.locator("#result")).to_contain_text("3 of 6 members voted.")
    violations += problems(page, "closed early, with the result")

    # Until the outcome is written, the project home and the log ask for it.
    page.goto(consent.project.get_absolute_url())
    expect(page.locator("#outcomes-to-write")).to_contain_text(
        "Write the outcome of “Open the day centre until 6pm”"
    )
    violations += problems(page, "project home asking for an outcome")
    page.goto(f"{consent.project.get_absolute_url()}decisions/?outcome=missing")
    expect(page.get_by_role("link", name="Write the outcome")).to_have_count(1)
    violations += problems(page, "decision log filtered to outcomes not written")
    page.goto(consent.get_absolute_url())

    page.get_by_role("button", name="Save the outcome").click()
    expect(page.locator(".error-summary")).to_contain_text("Say what will happen")
    violations += problems(page, "outcome form with errors")

    page.get_by_label("What will happen").fill("The centre opens until 6pm from May.")
    page.get_by_label("Who will do it").fill("Sam")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.locator("#outcome")).to_contain_text("The centre opens until 6pm from May.")
    violations += problems(page, "outcome written")

    assert not violations, "\n\n".join(violations)


def test_the_discussion_works_without_javascript(demo, sign_in, new_context):
    consent = Decision.objects.get(title="Open the day centre until 6pm")
    context = new_context(java_script_enabled=False)
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(consent.get_absolute_url())
    page.get_by_label("Your comment").fill("Could we try it for a month first?")
    page.get_by_role("button", name="Post your comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    assert "#comment-" in page.url
    expect(page.locator("#discussion")).to_contain_text("Could we try it for a month first?")
