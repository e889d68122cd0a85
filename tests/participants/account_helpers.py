"""Helpers for the account tests (test_sign_up.py, test_sign_in.py,
test_passwords.py, test_email_addresses.py, test_allauth_pages.py,
test_your_account.py and test_mfa.py): the mail outbox, pages and forms."""

import re
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.urls import reverse

PASSWORD = "a long enough password"
NEW_PASSWORD = "purple giraffe dancing"
CODE = re.compile(r"\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b")
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def signed_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def last_email_to(address):
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, f"no email to {address}"
    return messages[-1]


def path_in_email(message, prefix):
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s]*/)", message.body)
    assert match, f"no {prefix} link in: {message.body}"
    return match.group(1)


def code_in_email(message):
    match = CODE.search(message.body)
    assert match, f"no sign-in code in: {message.body}"
    return match.group(0)


def page(response):
    return response.content.decode()


def assert_in_shell(response, title):
    html = page(response)
    assert '<html lang="en-GB"' in html
    assert '<a href="#main-content" class="skip-link">' in html
    assert '<main id="main-content"' in html
    assert html.count("<h1") == 1
    assert f"<title>{title} - Coproduce</title>" in html


def assert_error_page(response, title, *errors):
    """Our error pattern: the same page, "Error:" in the title, the summary."""
    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert f"<title>Error: {title} - Coproduce</title>" in html
    assert 'class="error-summary"' in html
    assert "There is a problem" in html
    for error in errors:
        assert error in html


def ask_for_code(client, email):
    return client.post(reverse("account_request_login_code"), {"email": email})


class _FormParts(HTMLParser):
    """Collects inputs, labels, and which radios sit in a fieldset with a legend."""

    def __init__(self):
        super().__init__()
        self.inputs, self.label_fors, self.radios_in_fieldsets = [], set(), []
        self.placeholders = 0
        self._fieldsets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "placeholder" in attrs:
            self.placeholders += 1
        if tag == "fieldset":
            self._fieldsets.append({"legend": False})
        elif tag == "legend" and self._fieldsets:
            self._fieldsets[-1]["legend"] = True
        elif tag == "label" and attrs.get("for"):
            self.label_fors.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if attrs.get("type") in {"hidden", "submit", "button"}:
                return
            self.inputs.append(attrs)
            if attrs.get("type") == "radio":
                in_fieldset = bool(self._fieldsets) and self._fieldsets[-1]["legend"]
                self.radios_in_fieldsets.append(in_fieldset)

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()


def form_parts(response):
    parser = _FormParts()
    parser.feed(page(response))
    return parser
