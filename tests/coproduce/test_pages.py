from http import HTTPStatus

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/accounts/signup/", "/settings/display/", "/accessibility/"]
)
def test_public_pages_render_in_the_shell(client, db, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="en-GB"' in html
    assert 'href="#main-content"' in html
    assert html.count("<h1") == 1
    assert '<main id="main-content"' in html
    assert " - Coproduce</title>" in html


def test_unknown_address_gets_the_accessible_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "<title>Page not found - Coproduce</title>" in html
    assert 'href="#main-content"' in html


def _get_a_server_error(client, settings):
    """Ask the site for an address that fails with a server error, as a
    browser would (the 500 page, not the exception)."""
    from django.urls import path

    from coproduce import urls

    def broken(request):
        raise RuntimeError("boom")

    patterns = [path("broken/", broken), *urls.urlpatterns]
    settings.ROOT_URLCONF = type(
        "BrokenURLs", (), {"urlpatterns": patterns, "handler500": urls.handler500}
    )
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    return response.content.decode()


def test_server_error_gets_the_accessible_500_page(client, db, settings):
    html = _get_a_server_error(client, settings)
    assert "<title>Sorry, there is a problem - Coproduce</title>" in html
    assert "<h1>Sorry, there is a problem with Coproduce</h1>" in html
    assert 'href="#main-content"' in html
    assert '<html lang="en-GB" class="text-standard">' in html


def test_the_500_page_keeps_the_members_display_settings(client, user, settings):
    user.text_size, user.contrast = "largest", "high"
    user.save()
    client.force_login(user)
    html = _get_a_server_error(client, settings)
    assert '<html lang="en-GB" class="text-largest high-contrast">' in html


def test_the_500_page_renders_when_the_display_settings_cannot_be_read(
    client, user, settings, monkeypatch
):
    from coproduce import views

    def database_down(request):
        raise views.connection.Database.OperationalError("the database is down")

    monkeypatch.setattr(views, "display_preferences_for", database_down)
    client.force_login(user)
    html = _get_a_server_error(client, settings)
    assert '<html lang="en-GB" class="text-standard">' in html


def test_every_page_has_a_strict_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_display_preferences_apply_to_every_page_for_a_visitor(client, db):
    response = client.post(
        "/settings/display/",
        {"text_size": "largest", "contrast": "high", "reduced_motion": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    html = client.get("/accessibility/").content.decode()
    assert '<html lang="en-GB" class="text-largest high-contrast reduced-motion">' in html


def test_display_preferences_are_kept_on_the_members_account(client, user):
    client.force_login(user)
    client.post("/settings/display/", {"text_size": "large"})
    user.refresh_from_db()
    assert (user.text_size, user.contrast, user.reduced_motion) == ("large", "standard", False)
    assert 'class="text-large"' in client.get("/").content.decode()


def test_bad_display_preferences_get_the_error_summary_and_keep_the_input(client, db):
    response = client.post("/settings/display/", {"text_size": "enormous", "contrast": "dark"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<title>Error: Display settings - Coproduce</title>" in html
    assert 'class="error-summary"' in html
    assert '<a href="#id_text_size_0">Choose a text size</a>' in html
    assert 'name="contrast" value="dark" id="id_contrast_2" checked' in html


@pytest.mark.parametrize(
    ("contrast", "classes"),
    [
        ("standard", "text-standard"),
        ("high", "text-standard high-contrast"),
        ("dark", "text-standard dark-contrast"),
    ],
)
def test_each_contrast_puts_its_class_on_every_page(client, user, contrast, classes):
    client.force_login(user)
    response = client.post("/settings/display/", {"text_size": "standard", "contrast": contrast})
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.contrast == contrast
    for path in ("/", "/accessibility/", "/settings/display/"):
        assert f'<html lang="en-GB" class="{classes}">' in client.get(path).content.decode()
    html = client.get("/settings/display/").content.decode()
    assert f'name="contrast" value="{contrast}"' in html
    assert "High contrast: white text on a black background" in html


def test_a_visitors_dark_contrast_is_kept_in_the_session(client, db):
    client.post("/settings/display/", {"text_size": "large", "contrast": "dark"})
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en-GB" class="text-large dark-contrast">' in html


def test_a_session_from_before_the_contrast_choice_keeps_high_contrast(client, db):
    session = client.session
    session["display_preferences"] = {"text_size": "large", "high_contrast": True}
    session.save()
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en-GB" class="text-large high-contrast">' in html


def test_a_contrast_that_is_not_a_choice_is_an_error(client, user):
    client.force_login(user)
    response = client.post("/settings/display/", {"text_size": "large", "contrast": "neon"})
    assert response.status_code == HTTPStatus.OK
    assert '<a href="#id_contrast_0">Choose a contrast</a>' in response.content.decode()
    user.refresh_from_db()
    assert user.contrast == "standard"


def test_a_saved_change_is_confirmed_in_a_success_banner(client, db):
    response = client.post("/settings/display/", {"text_size": "large"}, follow=True)
    html = response.content.decode()
    assert 'class="notification-banner notification-banner--success" role="status"' in html
    assert ">Success</h2>" in html
    assert "Your display settings are saved." in html


@pytest.mark.parametrize(
    ("level", "title", "role"),
    [
        (messages.SUCCESS, "Success", "status"),
        (messages.ERROR, "There is a problem", "alert"),
        (messages.INFO, "Important", "status"),
        (messages.WARNING, "Important", "status"),
    ],
)
def test_each_kind_of_message_says_what_it_is_in_words(level, title, role):
    """Not by colour alone: the banner's title says whether it is good news
    or a problem."""
    html = render_to_string(
        "includes/messages.html",
        {"messages": [Message(level, "First"), Message(level, "Second")]},
    )
    assert html.count(f'role="{role}"') == 2
    assert html.count(f">{title}</h2>") == 2
    # Each banner is named by its own title.
    assert 'aria-labelledby="notification-title-1"' in html
    assert 'id="notification-title-2"' in html


@pytest.mark.parametrize(
    "path", ["/", "/profile/", "/account/", "/settings/display/", "/no-such-page/", "/admin/"]
)
def test_pages_for_someone_signed_in_are_never_cached(client, user, path):
    """On a shared computer the next person must not see these pages from the
    browser's cache after the last person signed out."""
    client.force_login(user)
    response = client.get(path)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store", "no-cache", "max-age=0"} <= cache_control


def test_public_pages_and_static_files_may_be_cached(client, db):
    assert "no-store" not in client.get("/accessibility/").get("Cache-Control", "")
    static = client.get("/static/css/coproduce.css")
    assert static.status_code == HTTPStatus.OK
    assert "no-store" not in static.get("Cache-Control", "")
    static.close()
