from http import HTTPStatus

import pytest


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


def test_server_error_gets_the_accessible_500_page(client, db, settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    from coproduce import urls

    settings.ROOT_URLCONF = type(
        "BrokenURLs", (), {"urlpatterns": [path("broken/", broken), *urls.urlpatterns]}
    )
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Sorry, there is a problem with Coproduce" in response.content.decode()


def test_every_page_has_a_strict_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_display_preferences_apply_to_every_page_for_a_visitor(client, db):
    response = client.post(
        "/settings/display/",
        {"text_size": "largest", "high_contrast": "on", "reduced_motion": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    html = client.get("/accessibility/").content.decode()
    assert '<html lang="en-GB" class="text-largest high-contrast reduced-motion">' in html


def test_display_preferences_are_kept_on_the_members_account(client, user):
    client.force_login(user)
    client.post("/settings/display/", {"text_size": "large"})
    user.refresh_from_db()
    assert (user.text_size, user.high_contrast, user.reduced_motion) == ("large", False, False)
    assert 'class="text-large"' in client.get("/").content.decode()


def test_bad_display_preferences_get_the_error_summary_and_keep_the_input(client, db):
    response = client.post("/settings/display/", {"text_size": "enormous", "high_contrast": "on"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<title>Error: Display settings - Coproduce</title>" in html
    assert 'class="error-summary"' in html
    assert '<a href="#id_text_size_0">Choose a text size</a>' in html
    assert 'name="high_contrast" id="id_high_contrast" checked' in html
