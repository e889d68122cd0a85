"""The dark high contrast choice (white text on a black background) through
Chromium: every colour at least 7:1 (axe's enhanced contrast rule as well as
the AA one), the yellow focus visible on the dark page, and the favicon every
page links to."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.crawling import AXE_SCRIPT

pytestmark = pytest.mark.browser

CONTRAST_RULES = {
    "runOnly": {"type": "rule", "values": ["color-contrast", "color-contrast-enhanced"]},
    "resultTypes": ["violations", "passes"],
}


def _contrast_problems(page, label: str) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", CONTRAST_RULES)
    # The rules really looked at text on this page.
    assert {rule["id"] for rule in results["passes"]} == {
        "color-contrast",
        "color-contrast-enhanced",
    }, label
    return [
        f"{label}: {violation['id']}: {node['html'][:200]} {node.get('failureSummary', '')}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def _choose_dark(page) -> None:
    page.goto(reverse("participants:display"))
    page.locator("input[name=contrast][value=dark]").check()
    page.get_by_role("button", name="Save display settings").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark-contrast\b"))


def test_dark_contrast_pages_have_light_text_on_black_at_7_to_1(demo, sign_in, new_context):
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    _choose_dark(page)
    body = (
        "() => { const s = getComputedStyle(document.body); return [s.color, s.backgroundColor]; }"
    )
    assert page.evaluate(body) == ["rgb(255, 255, 255)", "rgb(11, 12, 12)"]
    problems = _contrast_problems(page, "display settings, saved")

    page.goto(reverse("home"))
    problems += _contrast_problems(page, "your projects")
    page.locator("main a[href*='/projects/']:not([href*='#'])").first.click()
    problems += _contrast_problems(page, "a project home")
    page.get_by_role("link", name="Open the day centre until 6pm").first.click()
    problems += _contrast_problems(page, "a decision page")
    # An error (red) and the buttons on the dark page.
    page.locator("main form[hx-post] button[type=submit]").first.click()
    expect(page.locator("main [data-error-summary]")).to_be_visible()
    problems += _contrast_problems(page, "a decision page with an error")
    assert not problems, "\n".join(problems)

    # Focus: the yellow stays visible on black, with dark text on it.
    link = page.locator("main a[href]").first
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.backgroundColor, s.color]; }"
    )
    assert focused == ["rgb(255, 221, 0)", "rgb(11, 12, 12)"], focused


def test_dark_contrast_before_signing_in(demo, new_context):
    page = new_context().new_page()
    _choose_dark(page)
    page.goto(reverse("account_login"))
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark-contrast\b"))
    problems = _contrast_problems(page, "sign in")
    page.get_by_role("button", name=re.compile("^Sign in")).first.click()
    problems += _contrast_problems(page, "sign in with errors")
    assert not problems, "\n".join(problems)


def test_the_browser_gets_the_favicon_at_both_addresses(demo, new_context, base_url):
    page = new_context().new_page()
    page.goto(reverse("accessibility"))
    icon = page.locator("link[rel=icon]")
    assert icon.get_attribute("type") == "image/svg+xml"
    for address in (icon.get_attribute("href"), "/favicon.ico"):
        response = page.request.get(base_url + address)
        assert response.ok, address
        assert response.headers["content-type"].startswith("image/svg+xml"), address
        assert response.text().startswith("<svg")
