"""Every page reachable by links from the home page, signed out, signed in as
someone in no project (and a staff member in no project), and as each role of
the demo project, checked by axe-core against WCAG 2.0, 2.1 and 2.2 A and AA;
then each form on those pages sent empty, and the page that comes back (the
error summary) checked too. Each page is also held to the page shell's own
rules (one h1, one main, "Page name - Coproduce" titles, "Error: " before the
title and working links in the error summary) and must answer without a
server error. The test fails once, at the end, listing every violation with
its page, rule, HTML and help address."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import crawling, outbox
from tests.browser.conftest import ROLES
from tests.browser.crawling import (
    announced_invalid,
    axe_violations,
    crawl,
    error_links_show_questions,
    page_forms,
    shell_problems,
    states_after_empty_submits,
    submit_empty,
)
from tests.browser.urls import FORMS_RECEIVED

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "role",
    ["signed out", "outsider", "staff", "participant", "professional", "facilitator", "manager"],
)
def test_every_page_passes_axe(role, demo, sign_in, new_context, base_url, crawl_report):
    context = new_context()
    if role != "signed out":
        sign_in(context, role)
    page = context.new_page()
    violations: list[str] = []
    shell: list[str] = []
    checked: list[str] = []

    def check(page, label):
        checked.append(label)
        violations.extend(axe_violations(page, label))
        shell.extend(shell_problems(page, label))
        shell.extend(announced_invalid(page, label))
        shell.extend(error_links_show_questions(page, label))

    started = time.monotonic()
    result = crawl(page, base_url, check)
    states = states_after_empty_submits(page, result, reverse("account_logout"), check)
    seconds = time.monotonic() - started
    crawl_report(
        f"{role}: {len(result.pages)} pages, {len(states)} form states, "
        f"{len(checked)} axe checks, {len(violations)} violations, "
        f"{len(shell)} page shell problems, {seconds:.1f} s",
        checked,
    )

    # The crawl really ran: the home page and the pages every visitor can reach.
    assert "/" in result.pages
    assert reverse("accessibility") in result.pages
    assert reverse("privacy") in result.pages
    assert reverse("participants:display") in result.pages
    if role == "signed out":
        assert reverse("account_login") in result.pages
    else:
        assert reverse("participants:profile") in result.pages
        # Each part of Your profile, linked from it.
        assert reverse("participants:profile_access_needs") in result.pages
        assert reverse("participants:profile_emails") in result.pages
        assert reverse("participants:account") in result.pages
        # Two-step sign-in, linked from "Your account" (the pages behind its
        # password check: test_mfa_pages.py).
        assert reverse("mfa_index") in result.pages
        # Your data and deleting your account, linked from "Your account".
        assert reverse("participants:your_data") in result.pages
        assert reverse("participants:account_delete") in result.pages
    if role in {"participant", "professional", "facilitator", "manager"}:
        assert any(page.startswith("/projects/") for page in result.pages), result.pages
    problems = result.problems + violations + shell
    assert not problems, f"{len(problems)} problems as {role}:\n\n" + "\n\n".join(problems)


@pytest.mark.parametrize(
    ("contrast", "contrast_class"), [("high", "high-contrast"), ("dark", "dark-contrast")]
)
@pytest.mark.parametrize("role", ["signed out", "participant"])
def test_pages_pass_axe_with_the_largest_text_and_high_contrast(
    role, contrast, contrast_class, demo, sign_in, new_context, base_url
):
    """The display settings change colours, borders and sizes on every page:
    check the pages again as someone who chose them sees them, with each
    high contrast (black on white, and white on black)."""
    context = new_context()
    if role != "signed out":
        sign_in(context, role)
    page = context.new_page()
    page.goto(reverse("participants:display"))
    page.locator("input[name=text_size][value=largest]").check()
    page.locator(f"input[name=contrast][value={contrast}]").check()
    page.locator("input[name=reduced_motion]").check()
    page.get_by_role("button", name="Save display settings").click()
    expect(page.locator("html")).to_have_class(
        re.compile(rf"\btext-largest\b.*\b{contrast_class}\b")
    )

    violations: list[str] = []
    result = crawl(
        page,
        base_url,
        lambda page, label: violations.extend(
            axe_violations(page, f"{label} (largest, {contrast_class})")
        ),
        max_pages=30,
    )
    assert reverse("participants:display") in result.pages
    problems = result.problems + violations
    assert not problems, f"{len(problems)} problems as {role}:\n\n" + "\n\n".join(problems)


def test_pages_reached_from_emails_pass_axe(demo, new_context, base_url, settings, crawl_report):
    """The pages the crawl cannot reach by links: after asking for a sign-in
    code, a password reset and a new account, and every page that the emails
    link to (and the same addresses with a made-up token, which must get a
    plain page, never a server error)."""
    page = new_context().new_page()
    problems: list[str] = []
    checked: list[str] = []

    def check(label: str) -> None:
        checked.append(label)
        problems.extend(axe_violations(page, label))
        problems.extend(shell_problems(page, label))

    def send(form_fields: dict[str, str]) -> None:
        form = page.locator("main form").filter(
            has=page.locator(f"[name={next(iter(form_fields))}]")
        )
        for name, value in form_fields.items():
            field = form.locator(f"[name={name}]")
            if field.count():
                field.fill(value)
        form.locator("button[type=submit]").first.click()
        page.wait_for_load_state()

    page.goto(reverse("account_request_login_code"))
    send({"email": ROLES["participant"]})
    check("the sign-in code page")
    send({"code": "AAAA-AAAA"})
    check("the sign-in code page after a wrong code")

    page.goto(reverse("account_reset_password"))
    send({"email": ROLES["professional"]})
    check("the password reset page after sending")

    page.goto(reverse("account_signup"))
    new_person = "new.person@example.org"
    password = "a long and unusual password 7"
    send(
        {
            "email": new_person,
            "display_name": "New Person",
            "password1": password,
            "password2": password,
        }
    )
    check("the sign-up page after sending")

    site = urlsplit(settings.SITE_URL)
    paths = [
        urlsplit(link).path
        for link in outbox.links()
        if urlsplit(link).netloc in {site.netloc, urlsplit(base_url).netloc}
    ]
    assert any("password/reset/key" in path for path in paths), paths
    assert any("confirm-email" in path for path in paths), paths
    made_up_seen: set[str] = set()
    for path in paths:
        response = page.goto(path)
        assert response.status < 500, f"{path} answered HTTP {response.status}"
        check(f"{path} (linked from an email)")
        for form in page_forms(page):
            if form["fields"] and not form["skip"]:
                page.goto(path)
                submit_empty(page, form["index"])
                check(f"{path} (linked from an email) after sending its form empty")
                break
        made_up = "/".join([*path.rstrip("/").split("/")[:-1], "not-a-real-link", ""])
        if made_up in made_up_seen:
            continue
        made_up_seen.add(made_up)
        response = page.goto(made_up)
        assert response.status < 500, f"{made_up} answered HTTP {response.status}"
        check(f"{made_up} (a made-up link)")

    crawl_report(f"from emails: {len(checked)} axe checks, {len(problems)} problems", checked)
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/__test__/400/", 400),
        ("/__test__/403/", 403),
        ("/__test__/429/", 429),
        ("/__test__/500/", 500),
        ("/this-page-does-not-exist/", 404),
    ],
)
def test_error_pages_pass_axe_and_reflow(path, status, test_urls, new_context):
    for width in (1280, 320):
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        response = page.goto(path)
        assert response.status == status
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        expect(page.get_by_role("link", name="Skip to main content")).to_have_count(1)
        violations = axe_violations(page, f"{path} (HTTP {status}, {width} px wide)")
        assert not violations, "\n\n".join(violations)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_expired_form_page_passes_axe(demo, page):
    """A form sent with a token that does not match (the page was open for
    hours, or cookies are blocked) gets the plain "form has expired" page."""
    page.goto(reverse("account_login"))
    page.locator("main form input[name=csrfmiddlewaretoken]").first.evaluate(
        "input => { input.value = 'x'.repeat(64); }"
    )
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.locator("main form button[type=submit]").first.click()
    assert sent.value.status == 403
    expect(page).to_have_title("Your form has expired - Coproduce")
    violations = axe_violations(page, "the expired form page (HTTP 403)")
    assert not violations, "\n\n".join(violations)


def test_axe_names_the_page_rule_html_and_help(page):
    """The checker itself: a page with known faults is reported in full."""
    page.set_content(
        '<html lang="en"><head><title>Faults</title></head><body><main><h1>Faults</h1>'
        '<form><input type="text" name="town"></form>'
        '<p style="color:#bbb;background:#fff">Pale text</p></main></body></html>'
    )
    found = axe_violations(page, "/faults/")
    text = "\n".join(found)
    assert "/faults/: label (critical)" in text
    assert '<input type="text" name="town">' in text
    assert "https://dequeuniversity.com/rules/axe/" in text
    assert "color-contrast" in text


def test_the_crawler_follows_pages_once_and_skips_files_and_other_sites(
    test_urls, page, base_url, monkeypatch
):
    monkeypatch.setattr(crawling, "MAX_QUERIES_PER_PATH", 2)
    visited = []
    result = crawling.crawl(
        page,
        base_url,
        lambda page, label: visited.append(label),
        start=["/__test__/crawl/"],
        max_pages=7,  # the error pages link on into the site
    )
    assert result.pages == visited
    assert visited == [
        "/__test__/crawl/",
        "/__test__/crawl/filter/?page=1",
        "/__test__/crawl/filter/?page=2",
        "/__test__/crawl/filter/",
        # A redirect is checked where it lands.
        "/__test__/crawl/filter/?page=9",
        # Broken links and server errors are checked, and reported.
        "/__test__/crawl/missing/",
        "/__test__/500/",
    ]
    assert result.problems == [
        "/__test__/crawl/missing/: answered HTTP 404 (expected 200)",
        "/__test__/500/: answered HTTP 500 (expected 200)",
    ]


def test_the_crawler_sends_only_forms_that_ask_something_and_are_not_marked(
    test_urls, page, base_url
):
    FORMS_RECEIVED.clear()
    result = crawling.crawl(page, base_url, lambda page, label: None, start=["/__test__/forms/"])
    labels = []
    crawling.states_after_empty_submits(
        page, result, reverse("account_logout"), lambda page, label: labels.append(label)
    )
    # Only the form with a question, sent with its text emptied.
    assert FORMS_RECEIVED == [("question", {"name": ""})]
    assert labels == [
        "/__test__/forms/ after sending the form to "
        "/__test__/forms/sent/?form=question (POST) empty"
    ]
    assert page.get_by_role("heading", level=1).inner_text() == "Sent"
