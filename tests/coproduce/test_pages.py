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
