"""The admin sign-in and two-step sign-in (allauth.mfa): the admin's own
sign-in goes through the site's (with allauth's rate limits); staff set up an
authenticator app before the admin dashboard when STAFF_MFA_REQUIRED is on;
signing in then asks for a code; and every two-step sign-in page is ours, in
the page shell, with plain words and the error summary. Driven through the
test client, with codes worked out from the setup key as an app would."""

import time
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlencode

import allauth
import pytest
import time_machine
from allauth.account import app_settings as account_settings
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from participants.accounts.forms import WRONG_SIGN_IN_CODE
from participants.accounts.middleware import SET_UP_FIRST
from tests.factories import AuthenticatorAppFactory, UserFactory
from tests.participants.account_helpers import (
    PASSWORD,
    assert_error_page,
    assert_in_shell,
    form_parts,
    page,
    signed_in_user_id,
)

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ADMIN = reverse("admin:index")
ACTIVATE = reverse("mfa_activate_totp")
WRONG_CODE_ON_SETUP = "The code is not right. Type the 6 numbers your authenticator app shows now."


# Helpers -------------------------------------------------------------------


def _codes_now(secret: str) -> set[str]:
    """Every code allauth accepts now (the step before, now and the step after)."""
    step = int(time.time()) // mfa_settings.TOTP_PERIOD
    return {format_hotp_value(hotp_value(secret, step + i)) for i in (-1, 0, 1)}


def code_for(secret: str) -> str:
    """The code an authenticator app shows now for this setup key."""
    step = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, step))


def wrong_code_for(secret: str) -> str:
    """Six numbers that are not any code allauth accepts now."""
    accepted = _codes_now(secret)
    value = int(code_for(secret))
    while format_hotp_value(value) in accepted:
        value = (value + 1) % 10**mfa_settings.TOTP_DIGITS
    return format_hotp_value(value)


def sign_in_with_password(client, person, next_url=""):
    data = {"login": person.email, "password": PASSWORD}
    url = reverse("account_login")
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return client.post(url, data)


def assert_in_shell_with_errors(response, title):
    html = page(response)
    assert html.count("<h1") == 1
    assert f"<title>Error: {title} - Coproduce</title>" in html
    assert "data-error-summary" in html


def has_authenticator_app(person) -> bool:
    return Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


@pytest.fixture
def mfa_required(settings):
    settings.STAFF_MFA_REQUIRED = True


@pytest.fixture
def staff(db):
    """A project manager: staff, not a superuser."""
    return UserFactory(email="helen@example.org", display_name="Helen", is_staff=True)


@pytest.fixture
def staff_with_app(staff):
    AuthenticatorAppFactory(user=staff, secret=SECRET)
    return staff


# The admin's sign-in goes through the site's ----------------------------------


def test_a_signed_out_visit_to_the_admin_sign_in_leads_to_the_sites_sign_in(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == (
        f"{reverse('account_login')}?{urlencode({'next': reverse('admin:login')})}"
    )
    response = client.get(ADMIN, follow=True)
    assert_in_shell(response, "Sign in")
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_the_admin_sign_in_form_does_not_take_a_password_any_more(client, staff):
    for _ in range(25):
        response = client.post(
            reverse("admin:login"), {"username": staff.email, "password": "wrong"}
        )
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})
    assert response["Location"].startswith(reverse("account_login"))
    assert signed_in_user_id(client) is None


def test_the_sign_in_on_the_way_to_the_admin_leads_back_to_it(client, staff):
    response = sign_in_with_password(client, staff, next_url=reverse("admin:login"))
    assert response["Location"] == reverse("admin:login")
    assert client.get(reverse("admin:login"))["Location"] == ADMIN
    assert client.get(ADMIN).status_code == HTTPStatus.OK


def test_too_many_wrong_passwords_on_the_way_to_the_admin_lock_the_admin_too(client, staff):
    # allauth's "login_failed" limit: 5 wrong passwords for one account in 5 minutes.
    assert account_settings.RATE_LIMITS["login_failed"].endswith("5/300s/key")
    login_url = f"{reverse('account_login')}?{urlencode({'next': reverse('admin:login')})}"
    for _ in range(5):
        response = client.post(login_url, {"login": staff.email, "password": "wrong"})
        assert_error_page(response, "Sign in", "The email address or password is not right.")
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert_error_page(response, "Sign in", "You have tried to sign in too many times.")
    assert signed_in_user_id(client) is None
    assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))
    # When the lockout is over, the right password works again.
    with time_machine.travel(time.time() + 301, tick=False):
        response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
        assert response["Location"] == reverse("admin:login")
        assert signed_in_user_id(client) == staff.pk


def test_a_member_who_is_not_staff_is_refused_the_admin(client, db):
    member = UserFactory()
    client.force_login(member)
    assert client.get(reverse("admin:login")).status_code == HTTPStatus.FORBIDDEN


# Staff set up an authenticator app before the admin --------------------------


@pytest.mark.parametrize("is_superuser", [False, True], ids=["project manager", "superuser"])
def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(
    client, staff, mfa_required, is_superuser
):
    staff.is_superuser = is_superuser
    staff.save()
    client.force_login(staff)
    for path in (ADMIN, reverse("admin:participants_reminderlog_changelist")):
        response = client.get(path)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == ACTIVATE
    # Setting up asks for the password first, and says why on the way.
    response = client.get(ADMIN, follow=True)
    assert_in_shell(response, "Enter your password again")
    assert SET_UP_FIRST in page(response)


def test_members_who_are_not_staff_and_the_site_pages_are_not_affected(client, staff, mfa_required):
    member = UserFactory()
    client.force_login(member)
    assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:login")).status_code == HTTPStatus.FORBIDDEN
    client.force_login(staff)
    for name in ("home", "participants:account", "participants:profile", "participants:display"):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK, name


def test_staff_can_always_sign_out_of_the_admin(client, staff, mfa_required):
    client.force_login(staff)
    response = client.post(reverse("admin:logout"))
    assert response.status_code == HTTPStatus.OK
    assert signed_in_user_id(client) is None


def test_with_staff_mfa_required_off_nothing_is_required(client, staff, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(staff)
    assert client.get(ADMIN).status_code == HTTPStatus.OK
    assert not has_authenticator_app(staff)
    assert "You need it to use the admin dashboard" not in page(
        client.get(reverse("participants:account"))
    )


# A real transaction: allauth adds its messages when the new app is committed.
@pytest.mark.django_db(transaction=True)
def test_staff_set_up_the_app_and_then_reach_the_admin(client, staff, mfa_required):
    client.force_login(staff)
    response = client.get(ACTIVATE)
    assert response["Location"] == (
        f"{reverse('account_reauthenticate')}?{urlencode({'next': ACTIVATE})}"
    )
    response = client.post(response["Location"], {"password": PASSWORD, "next": ACTIVATE})
    assert response["Location"] == ACTIVATE

    response = client.get(ACTIVATE)
    assert_in_shell(response, "Set up an authenticator app")
    secret = response.context["form"].secret
    html = page(response)
    assert 'src="data:image/svg+xml;base64,' in html
    for i in range(0, len(secret), 4):
        assert f"<span>{secret[i : i + 4]}</span>" in html

    response = client.post(ACTIVATE, {"code": wrong_code_for(secret)})
    assert_error_page(response, "Set up an authenticator app", WRONG_CODE_ON_SETUP)
    assert '<a href="#id_code">' in page(response)
    assert not has_authenticator_app(staff)

    response = client.post(ACTIVATE, {"code": code_for(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert has_authenticator_app(staff)
    response = client.get(response["Location"])
    assert_in_shell(response, "Your recovery codes")
    html = page(response)
    assert "Two-step sign-in is on." in html
    assert "Your recovery codes are ready." in html
    codes = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES).wrap()
    assert len(codes.get_unused_codes()) == mfa_settings.RECOVERY_CODE_COUNT
    for code in codes.get_unused_codes():
        assert f"<li>{code[:4]} {code[4:]}</li>" in html
    assert f'href="{ADMIN}"' in html

    assert client.get(ADMIN).status_code == HTTPStatus.OK


def test_a_member_without_a_password_sets_up_the_app_without_being_asked_for_one(
    client, staff, mfa_required
):
    staff.set_unusable_password()
    staff.save()
    client.force_login(staff)
    response = client.get(ACTIVATE)
    assert_in_shell(response, "Set up an authenticator app")
    secret = response.context["form"].secret
    response = client.post(ACTIVATE, {"code": code_for(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(ADMIN).status_code == HTTPStatus.OK
    # Now that there is a code to ask for, allauth asks for one before it
    # shows the recovery codes.
    response = client.get(reverse("mfa_view_recovery_codes"), follow=True)
    assert_in_shell(response, "Type a code to carry on")


def test_staff_whose_email_is_not_confirmed_are_told_to_confirm_it_first(client, db, mfa_required):
    person = UserFactory(is_staff=True, verified_email=False)
    person.emailaddress_set.create(email=person.email, primary=True, verified=False)
    client.force_login(person)
    response = client.get(ADMIN, follow=True)
    assert_in_shell(response, "Two-step sign-in")
    html = page(response)
    assert "You need to confirm your email address before you can turn on two-step sign-in." in (
        html
    )
    assert SET_UP_FIRST in html


# Signing in asks for the code ---------------------------------------------------


def test_signing_in_asks_for_the_code_and_a_wrong_code_gets_a_plain_error(
    client, staff_with_app, mfa_required
):
    response = sign_in_with_password(client, staff_with_app, next_url=ADMIN)
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None

    response = client.get(reverse("mfa_authenticate"))
    assert_in_shell(response, "Type the code from your authenticator app")

    response = client.post(reverse("mfa_authenticate"), {"code": wrong_code_for(SECRET)})
    assert_error_page(response, "Type the code from your authenticator app", WRONG_SIGN_IN_CODE)
    assert '<a href="#id_code">' in page(response)
    assert signed_in_user_id(client) is None

    response = client.post(reverse("mfa_authenticate"), {"code": code_for(SECRET)})
    assert response["Location"] == ADMIN
    assert signed_in_user_id(client) == staff_with_app.pk
    assert client.get(ADMIN).status_code == HTTPStatus.OK


def test_an_empty_code_says_what_to_enter(client, staff_with_app):
    sign_in_with_password(client, staff_with_app)
    response = client.post(reverse("mfa_authenticate"), {"code": ""})
    assert_error_page(
        response,
        "Type the code from your authenticator app",
        "Enter the code from your authenticator app, or a recovery code",
    )


def test_a_recovery_code_works_once_instead_of_the_app(client, staff_with_app):
    recovery_codes = Authenticator.objects.get(
        user=staff_with_app, type=Authenticator.Type.RECOVERY_CODES
    ).wrap()
    first = recovery_codes.get_unused_codes()[0]
    sign_in_with_password(client, staff_with_app)
    # Typed with a space in the middle, as the page shows it.
    response = client.post(reverse("mfa_authenticate"), {"code": f"{first[:4]} {first[4:]}"})
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_user_id(client) == staff_with_app.pk

    client.post(reverse("account_logout"))
    sign_in_with_password(client, staff_with_app)
    response = client.post(reverse("mfa_authenticate"), {"code": first})
    assert_error_page(response, "Type the code from your authenticator app", WRONG_SIGN_IN_CODE)


def test_signing_in_by_emailed_code_asks_for_the_app_code_too(client, staff_with_app):
    from tests.participants.account_helpers import code_in_email, last_email_to

    client.post(reverse("account_request_login_code"), {"email": staff_with_app.email})
    code = code_in_email(last_email_to(staff_with_app.email))
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None


def test_turning_it_off_sends_staff_to_set_it_up_again(client, staff_with_app, mfa_required):
    client.force_login(staff_with_app)
    response = client.get(reverse("mfa_deactivate_totp"))
    # Turning it off asks for the password or a code first.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.get(response["Location"])
    assert f'href="{reverse("mfa_reauthenticate")}' in page(response)
    response = client.post(
        reverse("mfa_reauthenticate"),
        {"code": code_for(SECRET), "next": reverse("mfa_deactivate_totp")},
    )
    assert response["Location"] == reverse("mfa_deactivate_totp")
    response = client.get(reverse("mfa_deactivate_totp"))
    assert_in_shell(response, "Turn off two-step sign-in")
    assert "You cannot use the admin dashboard without two-step sign-in." in page(response)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"] == reverse("mfa_index")
    assert not Authenticator.objects.filter(user=staff_with_app).exists()
    assert "Two-step sign-in is off." in page(client.get(reverse("mfa_index")))
    assert client.get(ADMIN)["Location"] == ACTIVATE


# The account page links to it ----------------------------------------------------


def test_the_account_page_links_staff_to_two_step_sign_in(client, staff, mfa_required):
    client.force_login(staff)
    html = page(client.get(reverse("participants:account")))
    assert "<h2>Two-step sign-in</h2>" in html
    assert f'<a href="{reverse("mfa_index")}">Set up two-step sign-in</a>' in html
    assert "You need it to use the admin dashboard." in html


def test_the_account_page_offers_it_to_every_member(client, db, mfa_required):
    member = UserFactory()
    client.force_login(member)
    html = page(client.get(reverse("participants:account")))
    assert f'<a href="{reverse("mfa_index")}">Set up two-step sign-in</a>' in html
    assert "You do not have to use it." in html
    assert "admin dashboard" not in html
    AuthenticatorAppFactory(user=member)
    html = page(client.get(reverse("participants:account")))
    assert "Two-step sign-in is on." in html
    assert f'<a href="{reverse("mfa_index")}">Manage two-step sign-in' in html


def test_recovery_codes_download_as_a_text_file_that_says_what_they_are(client, staff_with_app):
    client.force_login(staff_with_app)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_download_recovery_codes"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert text.startswith(f"Coproduce recovery codes for {staff_with_app.email}")
    codes = Authenticator.objects.get(
        user=staff_with_app, type=Authenticator.Type.RECOVERY_CODES
    ).wrap()
    for code in codes.get_unused_codes():
        assert f"\n{code}\n" in text


# Every two-step sign-in page is ours, in the shell ----------------------------------


def _reauthenticated(path, *, with_app=True):
    def get(client, person):
        if with_app:
            AuthenticatorAppFactory(user=person, secret=SECRET)
        client.force_login(person)
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        return client.get(path)

    return get


def _sign_in_stage(client, person):
    AuthenticatorAppFactory(user=person, secret=SECRET)
    sign_in_with_password(client, person)
    return client.get(reverse("mfa_authenticate"))


def _mfa_reauthenticate(client, person):
    AuthenticatorAppFactory(user=person, secret=SECRET)
    client.force_login(person)
    return client.get(reverse("mfa_reauthenticate"))


MFA_PAGES = {
    "mfa/index.html": ("Two-step sign-in", _reauthenticated(reverse("mfa_index"))),
    "mfa/totp/activate_form.html": (
        "Set up an authenticator app",
        _reauthenticated(reverse("mfa_activate_totp"), with_app=False),
    ),
    "mfa/totp/deactivate_form.html": (
        "Turn off two-step sign-in",
        _reauthenticated(reverse("mfa_deactivate_totp")),
    ),
    "mfa/recovery_codes/index.html": (
        "Your recovery codes",
        _reauthenticated(reverse("mfa_view_recovery_codes")),
    ),
    "mfa/recovery_codes/generate.html": (
        "Get new recovery codes",
        _reauthenticated(reverse("mfa_generate_recovery_codes")),
    ),
    "mfa/authenticate.html": ("Type the code from your authenticator app", _sign_in_stage),
    "mfa/reauthenticate.html": ("Type a code to carry on", _mfa_reauthenticate),
}


@pytest.mark.parametrize("template_name", sorted(MFA_PAGES))
def test_every_two_step_sign_in_page_renders_ours_in_the_shell(client, staff, template_name):
    title, get = MFA_PAGES[template_name]
    response = get(client, staff)
    assert response.status_code == HTTPStatus.OK
    assert_in_shell(response, title)
    used = {Path(t.origin.name) for t in response.templates if t.origin}
    assert TEMPLATES_DIR / template_name in used
    parts = form_parts(response)
    assert parts.placeholders == 0
    for field in parts.inputs:
        assert field.get("id") in parts.label_fors, f"{field} has no label"
    html = page(response)
    assert "<script" not in html.split("</head>")[1]
    assert " style=" not in html


def test_the_code_page_at_sign_in_explains_what_to_do_without_the_phone(client, staff):
    response = _sign_in_stage(client, staff)
    html = page(response)
    assert "If you cannot use the app" in html
    assert "recovery codes" in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html


def test_the_setup_page_shows_the_qr_code_with_words_and_the_key_as_text(client, staff):
    response = MFA_PAGES["mfa/totp/activate_form.html"][1](client, staff)
    html = page(response)
    assert '<img src="data:image/svg+xml;base64,' in html
    assert 'alt="QR code that adds your Coproduce account to an authenticator app"' in html
    assert 'class="setup-key"' in html
    assert f'href="{escape(response.context["totp_url"])}"' in html
    assert "issuer=Coproduce" in response.context["totp_url"]


ERROR_STATES = {
    "setup, a wrong code": (
        "mfa/totp/activate_form.html",
        lambda client: {"code": wrong_code_for(client.session[SECRET_SESSION_KEY])},
        WRONG_CODE_ON_SETUP,
    ),
    "setup, no code": (
        "mfa/totp/activate_form.html",
        lambda client: {"code": ""},
        "Enter the 6 numbers your authenticator app shows",
    ),
    "sign-in, a wrong code": (
        "mfa/authenticate.html",
        lambda client: {"code": wrong_code_for(SECRET)},
        WRONG_SIGN_IN_CODE,
    ),
    "carrying on, a wrong code": (
        "mfa/reauthenticate.html",
        lambda client: {"code": wrong_code_for(SECRET)},
        WRONG_SIGN_IN_CODE,
    ),
}


@pytest.mark.parametrize("state", list(ERROR_STATES))
def test_every_two_step_sign_in_form_shows_the_error_summary(client, staff, state):
    template_name, data, error = ERROR_STATES[state]
    title, get = MFA_PAGES[template_name]
    path = get(client, staff).request["PATH_INFO"]
    response = client.post(path, data(client))
    assert_error_page(response, title, error)
    assert_in_shell_with_errors(response, title)
    assert '<a href="#id_code">' in page(response)


def test_asking_for_recovery_codes_before_setting_up_the_app_says_what_to_do(client, staff):
    path = reverse("mfa_generate_recovery_codes")
    assert _reauthenticated(path, with_app=False)(client, staff).status_code == HTTPStatus.OK
    response = client.post(path)
    assert_error_page(
        response,
        "Get new recovery codes",
        "You need to set up an authenticator app before you can get recovery codes.",
    )
    assert_in_shell_with_errors(response, "Get new recovery codes")


def test_every_two_step_sign_in_page_of_allauth_that_these_settings_reach_is_ours():
    assert mfa_settings.SUPPORTED_TYPES == ["totp", "recovery_codes"]
    assert not mfa_settings.TRUST_ENABLED
    assert not account_settings.LOGIN_BY_CODE_TRUST_ENABLED
    mfa_templates = Path(allauth.__file__).parent / "templates" / "mfa"
    theirs = {
        str(path.relative_to(mfa_templates))
        for path in mfa_templates.rglob("*.html")
        if not path.name.startswith("base")
    }
    # Security keys are not a supported type, and "trust this browser" is off.
    unreachable = {name for name in theirs if name.startswith("webauthn/")} | {"trust.html"}
    ours = {
        str(path.relative_to(TEMPLATES_DIR / "mfa"))
        for path in (TEMPLATES_DIR / "mfa").rglob("*.html")
    }
    assert theirs - unreachable <= ours
