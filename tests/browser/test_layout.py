"""What axe cannot see: reflow at 400% zoom, text spacing, the error summary
taking focus, and the pages working with JavaScript switched off."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import outbox
from tests.browser.conftest import DEMO_PASSWORD, ROLES
from tests.browser.crawling import axe_violations, crawl

pytestmark = pytest.mark.browser

# 1280 CSS px at 400% zoom is 320 CSS px wide (WCAG 1.4.10 Reflow).
NARROW = {"width": 320, "height": 640}

# The elements wider than the window that make the page scroll sideways,
# leaving out data tables in their own .table-wrap scroll container.
WIDER_THAN_WINDOW = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const beyond = (skipHidden) => {
        const found = [];
        for (const el of document.body.querySelectorAll("*")) {
            if (skipHidden && el.closest(".table-wrap, .visually-hidden")) continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            const style = getComputedStyle(el);
            const spills = style.overflowX === "visible" && box.left + el.scrollWidth > width + 1;
            if (box.right > width + 1 || spills) found.push(el);
        }
        return found;
    };
    // Visible content first; otherwise hidden text (say, visually hidden text
    // positioned outside its table's scroll box) is what widens the page.
    let culprits = beyond(true);
    if (!culprits.length) culprits = beyond(false);
    // The innermost culprits say what to fix.
    const innermost = culprits.filter(
        el => !culprits.some(other => other !== el && el.contains(other)));
    const found = innermost.map(el => {
        const box = el.getBoundingClientRect();
        const reach = Math.round(Math.max(box.right, box.left + el.scrollWidth));
        return `${el.outerHTML.slice(0, 160)} (reaches ${reach} px)`;
    });
    return found.length ? found : [`the page is ${document.documentElement.scrollWidth} px wide`];
}"""

# WCAG 1.4.12 Text Spacing: the values of the well-known bookmarklet.
TEXT_SPACING_CSS = """
* {
  line-height: 1.5 !important;
  letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important;
}
p { margin-bottom: 2em !important; }
"""

# Content cut off (an overflow-hiding box whose content is bigger than it) or
# text drawn over other text.
CLIPPED_OR_OVERLAPPING = """() => {
    const problems = [];
    const visible = el => {
        if (el.closest(".visually-hidden, [hidden]")) return false;
        // Not rendered: display none, visibility hidden, or inside a closed <details>.
        if (!el.checkVisibility({visibilityProperty: true})) return false;
        const box = el.getBoundingClientRect();
        return box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0;
    };
    const all = Array.from(document.body.querySelectorAll("*")).filter(visible);
    for (const el of all) {
        // Fields scroll their own text: a long value in a text box is not lost.
        if (el.matches("input, textarea, select")) continue;
        const style = getComputedStyle(el);
        const hidesX = ["hidden", "clip"].includes(style.overflowX);
        const hidesY = ["hidden", "clip"].includes(style.overflowY);
        if ((hidesY && el.scrollHeight > el.clientHeight + 1) ||
            (hidesX && el.scrollWidth > el.clientWidth + 1)) {
            problems.push(`clipped: ${el.outerHTML.slice(0, 160)}`);
        }
    }
    // Elements holding text directly: none may overlap another.
    const texts = all.filter(el => Array.from(el.childNodes).some(
        node => node.nodeType === Node.TEXT_NODE && node.textContent.trim()));
    const boxes = texts.map(el => Array.from(el.getClientRects()));
    const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                              Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
            if (texts[i].contains(texts[j]) || texts[j].contains(texts[i])) continue;
            if (boxes[i].some(a => boxes[j].some(b => overlap(a, b)))) {
                const first = texts[i].outerHTML.slice(0, 100);
                const second = texts[j].outerHTML.slice(0, 100);
                problems.push(`overlapping: ${first} and ${second}`);
            }
        }
    }
    return problems;
}"""


# Words in headings, labels, legends, table headings, terms and buttons
# that are split across two lines mid-word ("Participan" / "t"): each word's
# text, measured as a Range, must sit on one line (a break after a hyphen or
# a slash, as in "co-production", is between words; an email address or a
# web address is not a word, and may break where it must).
MID_WORD_BREAKS = r"""() => {
    const problems = [];
    const places = "h1, h2, h3, h4, label, legend, th, dt, summary, .button, caption";
    for (const element of document.querySelectorAll(places)) {
        if (!element.getClientRects().length) continue;  // not shown
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.data.matchAll(/[^\s\-\/\u2013\u2014]+/g)) {
                if (/@|\.\w/.test(match[0])) continue;
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) {
                    problems.push(`"${match[0]}" is broken across lines in `
                                  + element.outerHTML.slice(0, 100));
                }
            }
        }
    }
    return problems;
}"""


@pytest.mark.parametrize(
    ("role", "text_size"),
    [("signed out", "standard"), ("facilitator", "standard"), ("participant", "largest")],
)
def test_every_page_reflows_at_320_css_pixels(
    role, text_size, demo, sign_in, new_context, base_url
):
    """At 400% zoom (and, for one role, with the largest text setting on top)
    no page scrolls sideways, and each page passes axe as it is laid out
    there (a data table that must scroll in its box can be reached by
    keyboard)."""
    from participants.models import User

    context = new_context(viewport=NARROW)
    if role != "signed out":
        User.objects.filter(email=ROLES[role]).update(text_size=text_size)
        sign_in(context, role)
    page = context.new_page()
    problems = []

    def check(page, label):
        problems.extend(f"{label}: {found}" for found in page.evaluate(WIDER_THAN_WINDOW))
        problems.extend(f"{label}: {found}" for found in page.evaluate(MID_WORD_BREAKS))
        problems.extend(axe_violations(page, f"{label} (320 px wide, {text_size} text)"))

    result = crawl(page, base_url, check)
    assert "/" in result.pages
    assert reverse("participants:display") in result.pages
    assert not problems, (
        "Pages that scroll sideways, or break words mid-word, at 320 CSS px:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize(
    ("path", "role", "width"),
    [
        ("home", None, 1280),
        ("home", None, 320),
        ("account_login", None, 1280),
        ("account_login", None, 320),
        ("home", "participant", 1280),
        ("home", "participant", 320),
    ],
)
def test_text_spacing_cuts_off_and_overlaps_nothing(path, role, width, demo, sign_in, new_context):
    # The test's own style sheet is inline, which the site's Content Security
    # Policy rightly blocks, so this one context bypasses it.
    context = new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    if role:
        sign_in(context, role)
    page = context.new_page()
    page.goto(reverse(path))
    assert page.evaluate(CLIPPED_OR_OVERLAPPING) == []  # the page without the override
    page.add_style_tag(content=TEXT_SPACING_CSS)
    assert page.evaluate("() => getComputedStyle(document.body).wordSpacing") != "0px"
    problems = page.evaluate(CLIPPED_OR_OVERLAPPING)
    assert not problems, "\n".join(problems)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


# WCAG 1.4.4 Resize Text: the browser's own text size at 200% (its default
# font size doubled), on top of which every rem in the style sheet grows.
DOUBLE_TEXT_CSS = "html, html.text-large, html.text-largest { font-size: 200% !important; }"

# What each crawl below overrides, in which window, and how to see it took.
TEXT_OVERRIDES = {
    "text spacing at 320 px": (
        NARROW,
        TEXT_SPACING_CSS,
        "() => getComputedStyle(document.body).wordSpacing !== '0px'",
    ),
    "200% text at 1280 px": (
        {"width": 1280, "height": 800},
        DOUBLE_TEXT_CSS,
        "() => getComputedStyle(document.documentElement).fontSize === '32px'",
    ),
}


@pytest.mark.parametrize("override", list(TEXT_OVERRIDES))
@pytest.mark.parametrize("role", ["signed out", "facilitator"])
def test_every_page_keeps_all_its_text_with_more_spacing_or_larger_text(
    role, override, demo, sign_in, new_context, base_url
):
    """The text spacing override at 400% zoom, and text at twice its size
    in a wide window, on every page the crawl finds: nothing cut off,
    nothing drawn over other text, no sideways scrolling."""
    viewport, style, applied = TEXT_OVERRIDES[override]
    # The test's own style sheet is inline, which the site's Content Security
    # Policy rightly blocks, so this one context bypasses it.
    context = new_context(viewport=viewport, bypass_csp=True)
    if role != "signed out":
        sign_in(context, role)
    page = context.new_page()
    problems = []

    def check(page, label):
        page.add_style_tag(content=style)
        assert page.evaluate(applied), f"{label}: the override did not apply"
        problems.extend(f"{label}: {found}" for found in page.evaluate(CLIPPED_OR_OVERLAPPING))
        problems.extend(f"{label}: {found}" for found in page.evaluate(WIDER_THAN_WINDOW))

    result = crawl(page, base_url, check)
    assert len(result.pages) > 5
    assert not problems, f"With {override}:\n" + "\n".join(problems)


def test_a_table_that_scrolls_in_its_box_can_be_reached_by_keyboard(test_urls, new_context):
    """At 320 px the wide table scrolls inside .table-wrap, which becomes a
    region named by the table's caption that Tab reaches; at 1280 px it fits
    and adds no Tab stop."""
    narrow = new_context(viewport=NARROW).new_page()
    narrow.goto("/__test__/wide-table/")
    box = narrow.locator(".table-wrap")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    expect(
        narrow.get_by_role("region", name="Votes of participants and professionals")
    ).to_be_visible()
    for _ in range(20):  # past the skip link and the menu
        narrow.keyboard.press("Tab")
        if box.evaluate("box => box === document.activeElement"):
            break
    expect(box).to_be_focused()
    narrow.keyboard.press("ArrowRight")
    narrow.wait_for_function("() => document.querySelector('.table-wrap').scrollLeft > 0")
    # Its caption is above the box, whole, and a line says the table scrolls.
    caption = narrow.locator(".table-caption")
    expect(caption).to_have_text("Votes of participants and professionals")
    assert caption.evaluate("el => el.getBoundingClientRect().right <= window.innerWidth")
    expect(narrow.locator(".table-wrap__hint")).to_have_text(
        "The table is wider than the screen: scroll sideways to see all of it."
    )

    wide = new_context(viewport={"width": 1280, "height": 800}).new_page()
    wide.goto("/__test__/wide-table/")
    assert wide.locator(".table-wrap").get_attribute("tabindex") is None
    expect(wide.get_by_role("region")).to_have_count(0)
    expect(wide.locator(".table-wrap__hint")).to_have_count(0)
    # Made narrower later (the window resized, or zoomed in): it is labelled then.
    wide.set_viewport_size(NARROW)
    expect(wide.locator(".table-wrap")).to_have_attribute("tabindex", "0")
    expect(wide.locator(".table-wrap__hint")).to_have_count(1)


def test_text_spacing_on_the_sign_in_error_state(demo, new_context):
    context = new_context(viewport=NARROW, bypass_csp=True)
    page = context.new_page()
    page.goto(reverse("account_login"))
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    page.add_style_tag(content=TEXT_SPACING_CSS)
    problems = page.evaluate(CLIPPED_OR_OVERLAPPING)
    assert not problems, "\n".join(problems)


def test_error_summary_takes_focus_after_a_failed_sign_in(demo, page):
    page.goto(reverse("account_login"))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_title(re.compile(r"^Error: .+ - Coproduce$"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    # Each error links to its field, and following the link focuses the field.
    first_error = summary.get_by_role("link").first
    target = first_error.get_attribute("href")
    first_error.click()
    expect(page.locator(target)).to_be_focused()


def sign_in_with_the_form(page, address: str) -> None:
    """Sign in with the password when the form asks for one, otherwise with
    the code that is emailed."""
    page.goto(reverse("account_login"))
    form = page.locator("main form").filter(has=page.locator("input[name=login]"))
    form.locator("input[name=login]").fill(address)
    if form.locator("input[name=password]").count():
        form.locator("input[name=password]").fill(DEMO_PASSWORD)
        form.locator("button[type=submit]").first.click()
    else:
        form.locator("button[type=submit]").first.click()
        page.wait_for_url(re.compile(re.escape(reverse("account_confirm_login_code"))))
        page.locator("input[name=code]").fill(outbox.login_code(address))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(reverse("home")) + "$"))


def test_sign_in_works_without_javascript(demo, new_context):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(reverse("account_login"))
    # Without JavaScript a failed submit still shows the error summary.
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("[data-error-summary]")).to_be_visible()

    sign_in_with_the_form(page, ROLES["professional"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Your projects")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("role", [None, "participant"])
def test_display_settings_work_without_javascript(role, demo, sign_in, new_context):
    context = new_context(java_script_enabled=False)
    if role:
        sign_in(context, role)
    page = context.new_page()
    page.goto(reverse("participants:display"))
    page.locator("input[name=text_size][value=largest]").check()
    page.locator("input[name=contrast][value=high]").check()
    page.get_by_role("button", name="Save display settings").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-largest\b"))
    expect(page.locator("html")).to_have_class(re.compile(r"\bhigh-contrast\b"))
    # The server applies them on every page.
    page.goto(reverse("accessibility"))
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-largest\b.*\bhigh-contrast\b"))
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "24px"


@pytest.mark.parametrize(
    ("system_setting", "member_setting", "scrolling"),
    [
        ("no-preference", False, "smooth"),
        ("reduce", False, "auto"),  # the operating system asks for less motion
        ("no-preference", True, "auto"),  # the member's display setting asks
    ],
)
def test_motion_follows_the_system_and_the_members_setting(
    system_setting, member_setting, scrolling, demo, sign_in, new_context
):
    from participants.models import User

    User.objects.filter(email=ROLES["participant"]).update(reduced_motion=member_setting)
    context = new_context(reduced_motion=system_setting)
    sign_in(context, "participant")
    page = context.new_page()
    page.goto(reverse("home"))
    assert page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") == (
        scrolling
    )
