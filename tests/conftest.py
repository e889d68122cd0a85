import os

import pytest

# Playwright's sync API leaves an event loop running in the test thread; the
# browser tests call the ORM from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _media_and_outbox(settings, tmp_path):
    settings.MAIL_OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()
