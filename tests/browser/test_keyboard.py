"""Keyboard only: the skip link, a visible focus indicator at every stop, and
signing in without touching a mouse."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import outbox
from tests.browser.conftest import DEMO_PASSWORD, ROLES
from tests.browser.crawling import crawl
from tests.browser.pixels import changed_pixels

pytestmark = pytest.mark.browser

MAX_STOPS = 80
# Describes the focused element, or null when focus has left the page.
ACTIVE_ELEMENT = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    return {
        tag: el.tagName.toLowerCase(),
        name: el.getAttribute("name") || "",
        type: el.getAttribute("type") || "",
        text: (el.innerText || el.value || "").trim(),
        id: el.id,
        html: el.outerHTML.slice(0, 160),
    };
}"""


# Marks the focused element, and says whether it was marked already.
SEEN_BEFORE = """() => {
    const el = document.activeElement;
    const seen = Boolean(el.dataset.focusSeen);
    el.dataset.focusSeen = "yes";
    return seen;
}"""
# In the viewport and no longer moving: at the same place as at the last
# poll (a smooth scroll can bring an element into view before it stops).
SETTLED_IN_VIEWPORT = """el => {
    const box = el.getBoundingClientRect();
    const seen = (window.__lastBoxes ??= new WeakMap());
    const here = `${box.top},${box.left}`;
    const still = seen.get(el) === here;
    seen.set(el, here);
    return still && box.top >= 0 && box.left >= 0
        && box.bottom <= innerHeight && box.right <= innerWidth;
}"""


def tab_to(page, matches, *, limit=MAX_STOPS):
    """Press Tab until matches(active element) is true; return the element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE_ELEMENT)
        if active and matches(active):
            return active
    raise AssertionError("Tab never reached the element")


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(demo, page):
    page.goto("/")
    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE_ELEMENT)
    assert active["text"] == "Skip to main content"
    skip_link = page.get_by_role("link", name="Skip to main content")
    box = skip_link.bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]
    assert box["width"] > 20
    assert box["height"] > 10
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    # The next Tab goes on from the main content, not from the top.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("way", ["code", "password"])
def test_sign_in_with_the_keyboard_alone(way, demo, page):
    """From the home page to signed in, by the emailed code (the easy way,
    first on the page) or by password, pressing only Tab, Enter and keys."""
    address = ROLES["participant"]
    page.goto("/")
    # The first stop is the skip link, and it shows.
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_ELEMENT)["text"] == "Skip to main content"
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()

    tab_to(page, lambda el: el["tag"] == "a" and el["text"] == "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(reverse("account_login")) + "$"))

    if way == "code":
        # The first field on the page is the code form's email address.
        tab_to(page, lambda el: el["tag"] == "input" and el["name"] == "email")
        page.keyboard.type(address)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(re.escape(reverse("account_confirm_login_code"))))
        tab_to(page, lambda el: el["tag"] == "input" and el["name"] == "code")
        page.keyboard.type(outbox.login_code(address))
    else:
        tab_to(page, lambda el: el["tag"] == "input" and el["name"] == "login")
        page.keyboard.type(address)
        tab_to(page, lambda el: el["name"] == "password", limit=3)
        page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(re.escape(reverse("home")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your projects")
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Aisha Rahman")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign out")).to_be_visible()


def focus_stops_without_a_visible_indicator(page) -> tuple[int, list[str]]:
    """Tab through the page from the top. At each stop, screenshot the area
    around the element focused and again with focus removed; a visible
    indicator changes at least as many pixels as a one-pixel ring round the
    element. Returns the number of stops and the ones that failed."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    failures = []
    stops = 0
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE_ELEMENT)
        if active is None or page.evaluate(SEEN_BEFORE):
            break  # focus left the page, or came round again
        stops += 1
        element = page.evaluate_handle("() => document.activeElement")
        # Scrolling to the focused element is smooth (unless the member asks
        # for reduced motion): wait until it is on screen and has stopped.
        page.wait_for_function(SETTLED_IN_VIEWPORT, arg=element, polling=50)
        box = element.bounding_box()
        viewport = page.viewport_size
        margin = 6
        x = max(box["x"] - margin, 0)
        y = max(box["y"] - margin, 0)
        clip = {
            "x": x,
            "y": y,
            "width": min(box["x"] + box["width"] + margin, viewport["width"]) - x,
            "height": min(box["y"] + box["height"] + margin, viewport["height"]) - y,
        }
        focused = page.screenshot(clip=clip, animations="disabled", caret="hide")
        element.evaluate("el => el.blur()")
        blurred = page.screenshot(clip=clip, animations="disabled", caret="hide")
        changed = changed_pixels(focused, blurred)
        ring = 2 * (box["width"] + box["height"])
        if changed < ring:
            failures.append(
                f"{page.url}: {active['html']} changed {changed} pixels when focused "
                f"(at least {ring:.0f} needed)"
            )
        # Blurring leaves the sequential focus starting point here, so the
        # next Tab goes on to the following element.
    return stops, failures


@pytest.mark.parametrize(
    ("path", "role", "forced_colors"),
    [
        ("home", None, "none"),
        ("account_login", None, "none"),
        ("home", "facilitator", "none"),
        # Windows High Contrast drops backgrounds and shadows; outlines stay.
        ("account_login", None, "active"),
    ],
)
def test_every_focus_stop_shows_a_visible_indicator(
    path, role, forced_colors, demo, sign_in, new_context
):
    context = new_context(forced_colors=forced_colors)
    if role:
        sign_in(context, role)
    page = context.new_page()
    page.goto(reverse(path))
    forced = page.evaluate("() => matchMedia('(forced-colors: active)').matches")
    assert forced == (forced_colors == "active")
    stops, failures = focus_stops_without_a_visible_indicator(page)
    assert stops >= 5, f"only {stops} focus stops found"
    assert not failures, "\n".join(failures)


def test_focus_stops_on_the_sign_in_page_with_errors_show_an_indicator(demo, page):
    page.goto(reverse("account_login"))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    stops, failures = focus_stops_without_a_visible_indicator(page)
    assert stops >= 5, f"only {stops} focus stops found"
    assert not failures, "\n".join(failures)


# Every element that can take focus, with how it looks; then focused, how it
# looks now. A keyboard press first, so that focus() shows :focus-visible as
# it does for someone tabbing.
UNCHANGED_WHEN_FOCUSED = """() => {
    const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, '
        + '[tabindex]:not([tabindex="-1"])';
    const properties = ["outline-style", "outline-width", "outline-color", "box-shadow",
        "background-color", "color", "border-top-color", "border-bottom-color",
        "text-decoration-line", "text-decoration-thickness", "left", "top"];
    const looks = el => {
        const style = getComputedStyle(el);
        return properties.map(name => style.getPropertyValue(name)).join("|");
    };
    const unchanged = [];
    document.activeElement.blur();  // the Tab focused the skip link
    for (const el of document.querySelectorAll(selector)) {
        if (el.disabled || !el.getClientRects().length) continue;
        if (getComputedStyle(el).visibility === "hidden") continue;
        const before = looks(el);
        el.focus({preventScroll: true});
        if (document.activeElement !== el) continue;
        if (looks(el) === before) unchanged.push(el.outerHTML.slice(0, 160));
    }
    return unchanged;
}"""


@pytest.mark.parametrize("role", ["signed out", "facilitator"])
def test_every_focusable_element_on_every_page_changes_when_focused(
    role, demo, sign_in, new_context, base_url
):
    """A quicker check than the screenshots, over every page the crawl finds:
    the focus style of each link, button and field differs from its normal
    style."""
    context = new_context()
    if role != "signed out":
        sign_in(context, role)
    page = context.new_page()
    problems = []

    def check(page, label):
        page.keyboard.press("Tab")
        problems.extend(f"{label}: {html}" for html in page.evaluate(UNCHANGED_WHEN_FOCUSED))

    result = crawl(page, base_url, check)
    assert len(result.pages) > 5
    assert not problems, "No visible change when focused:\n" + "\n".join(problems)


def test_focus_stays_in_the_page_after_an_htmx_swap(demo, sign_in, new_context):
    """Sending a form that htmx swaps (the comment form on a decision) with
    the keyboard: focus goes to the error summary, or after a success to the
    new content, never back to the top of the page."""
    context = new_context()
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(reverse("home"))
    # The project's own link ("What you can do now" comes first, with links
    # to parts of pages).
    page.locator("main a[href*='/projects/']:not([href*='#'])").first.click()
    page.get_by_role("link", name="Open the day centre until 6pm").first.click()
    form = page.locator("main form[hx-post]").first
    expect(form).to_have_count(1)

    # Empty: the error summary that htmx swapped in takes focus.
    form.locator("button[type=submit]").focus()
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.keyboard.press("Enter")
    summary = page.locator("main [data-error-summary]")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))

    # Filled in: focus stays with the swapped-in content.
    page.locator("main form[hx-post] textarea").first.fill("I can help on Thursdays.")
    page.locator("main form[hx-post] button[type=submit]").first.focus()
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("I can help on Thursdays.")
    page.wait_for_function("() => document.activeElement !== document.body", timeout=5000)
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
