"""Two-step sign-in in the browser, as a member of staff meets it: sent from
the admin dashboard to set up an authenticator app (after typing their
password again), shown their recovery codes, then asked for a code when they
next sign in. Every page, and each form's error state, is checked by axe-core
and held to the page shell's rules; the pages with the QR code, the setup key
and the recovery codes are also checked at 320 CSS px with the largest text
(WCAG 1.4.10) and with the text spacing override (WCAG 1.4.12).

The crawl (test_axe_crawl.py) reaches "Two-step sign-in" from "Your account"
as staff; the pages behind the password check are reached here."""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import NON_MEMBERS
from tests.browser.crawling import axe_violations, shell_problems
from tests.browser.test_layout import (
    CLIPPED_OR_OVERLAPPING,
    NARROW,
    TEXT_SPACING_CSS,
    WIDER_THAN_WINDOW,
)

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
STAFF = NON_MEMBERS["staff"]["email"]


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or in the next 30 seconds:
    allauth takes either, and takes each code once)."""
    step = int(time.time()) // mfa_settings.TOTP_PERIOD + steps_ahead
    return format_hotp_value(hotp_value(secret, step))


def wrong_code_for(secret: str) -> str:
    step = int(time.time()) // mfa_settings.TOTP_PERIOD
    accepted = {format_hotp_value(hotp_value(secret, step + i)) for i in (-1, 0, 1, 2)}
    value = int(code_for(secret))
    while format_hotp_value(value) in accepted:
        value = (value + 1) % 10**mfa_settings.TOTP_DIGITS
    return format_hotp_value(value)


def send(page, button: str, **fields: str) -> None:
    """Fill in the form that has this button, and send it."""
    button = page.get_by_role("button", name=button, exact=True)
    form = page.locator("main form").filter(has=button)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(button).click()
    page.wait_for_load_state()


def test_two_step_sign_in_pages_pass_axe(demo, sign_in, new_context, settings, crawl_report):
    settings.STAFF_MFA_REQUIRED = True
    context = new_context()
    sign_in(context, "staff")
    page = context.new_page()
    problems: list[str] = []
    checked: list[str] = []

    def check(label: str) -> None:
        checked.append(label)
        problems.extend(axe_violations(page, label))
        problems.extend(shell_problems(page, label))

    # The admin dashboard sends staff to set up the app, saying why; first
    # they type their password again.
    page.goto(reverse("admin:index"))
    expect(page).to_have_title("Enter your password again - Coproduce")
    expect(page.locator(".notification-banner")).to_contain_text(
        "To use the admin dashboard, set up a second way to sign in first."
    )
    check("the password check on the way to the admin")
    send(page, "Carry on", password="")
    check("the password check, sent empty")
    send(page, "Carry on", password=PASSWORD)

    expect(page).to_have_title("Set up an authenticator app - Coproduce")
    qr_code = page.get_by_role(
        "img", name="QR code that adds your Coproduce account to an authenticator app"
    )
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0"), "QR code not shown"
    check("setting up an authenticator app")
    secret = "".join(page.locator(".setup-key").inner_text().split())
    assert len(secret) == 32
    send(page, "Turn on two-step sign-in", code=wrong_code_for(secret))
    expect(page).to_have_title("Error: Set up an authenticator app - Coproduce")
    check("setting up, after a wrong code")
    send(page, "Turn on two-step sign-in", code="")
    check("setting up, sent empty")
    send(page, "Turn on two-step sign-in", code=code_for(secret))

    expect(page).to_have_title("Your recovery codes - Coproduce")
    expect(page.locator(".code-list li")).to_have_count(mfa_settings.RECOVERY_CODE_COUNT)
    check("the recovery codes")
    page.get_by_role("link", name="Go to the admin dashboard").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    for name, title in [
        ("mfa_index", "Two-step sign-in"),
        ("mfa_generate_recovery_codes", "Get new recovery codes"),
        ("mfa_deactivate_totp", "Turn off two-step sign-in"),
        ("account_reauthenticate", "Enter your password again"),
    ]:
        page.goto(reverse(name))
        expect(page).to_have_title(f"{title} - Coproduce")
        check(title)
    page.goto(reverse("participants:account"))
    expect(
        page.get_by_role("link", name="Manage two-step sign-in and recovery codes")
    ).to_be_visible()

    # Signing in again asks for the code.
    context.clear_cookies()
    page.goto(f"{reverse('account_login')}?next={reverse('admin:index')}")
    send(page, "Sign in with my password", login=STAFF, password=PASSWORD)
    expect(page).to_have_title("Type the code from your authenticator app - Coproduce")
    check("the code at sign-in")
    send(page, "Sign in", code=wrong_code_for(secret))
    expect(page).to_have_title("Error: Type the code from your authenticator app - Coproduce")
    check("the code at sign-in, after a wrong code")
    send(page, "Sign in", code=code_for(secret))
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(reverse("mfa_reauthenticate"))
    expect(page).to_have_title("Type a code to carry on - Coproduce")
    check("the code to carry on")
    send(page, "Carry on", code=wrong_code_for(secret))
    expect(page).to_have_title("Error: Type a code to carry on - Coproduce")
    check("the code to carry on, after a wrong code")
    send(page, "Carry on", code=code_for(secret, steps_ahead=1))
    expect(page).not_to_have_title(re.compile("Error"))

    crawl_report(f"two-step sign-in: {len(checked)} axe checks, {len(problems)} problems", checked)
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


@pytest.mark.parametrize("override", ["320 px, largest text", "text spacing at 320 px"])
def test_the_setup_key_and_recovery_codes_reflow_and_keep_their_text(
    override, demo, sign_in, new_context
):
    from tests.factories import UserFactory

    # No password, so no password check before setting up.
    person = UserFactory(email="kim.staff@example.org", is_staff=True, text_size="largest")
    person.set_unusable_password()
    person.save()
    # The text spacing style sheet is inline, which the site's Content
    # Security Policy rightly blocks, so this context bypasses it.
    context = new_context(viewport=NARROW, bypass_csp=True)
    sign_in(context, person.email)
    page = context.new_page()
    problems: list[str] = []

    def check(label: str) -> None:
        if override.startswith("text spacing"):
            page.add_style_tag(content=TEXT_SPACING_CSS)
            assert page.evaluate("() => getComputedStyle(document.body).wordSpacing !== '0px'")
            problems.extend(f"{label}: {found}" for found in page.evaluate(CLIPPED_OR_OVERLAPPING))
        else:
            problems.extend(axe_violations(page, f"{label} (320 px wide, largest text)"))
        problems.extend(f"{label}: {found}" for found in page.evaluate(WIDER_THAN_WINDOW))

    page.goto(reverse("mfa_activate_totp"))
    expect(page).to_have_title("Set up an authenticator app - Coproduce")
    secret = "".join(page.locator(".setup-key").inner_text().split())
    check("setting up an authenticator app")
    send(page, "Turn on two-step sign-in", code=wrong_code_for(secret))
    check("setting up, after a wrong code")
    send(page, "Turn on two-step sign-in", code=code_for(secret))
    # With no password, allauth asks for a code from the new app before it
    # shows the recovery codes.
    expect(page).to_have_title("Type a code to carry on - Coproduce")
    check("the code to carry on")
    send(page, "Carry on", code=code_for(secret, steps_ahead=1))
    expect(page).to_have_title("Your recovery codes - Coproduce")
    check("the recovery codes")
    page.goto(reverse("mfa_index"))
    check("two-step sign-in")
    assert not problems, f"With {override}:\n" + "\n".join(problems)
