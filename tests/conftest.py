import os

import pytest

# Playwright's sync API leaves an event loop running in the test thread; the
# browser tests call the ORM from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _isolated_outbox_and_cache(settings, tmp_path):
    """Each test gets its own mail outbox folder and an empty cache (allauth's
    rate limits count in the cache)."""
    from django.core.cache import cache

    settings.MAIL_OUTBOX_DIR = tmp_path / "outbox"
    # Hashing passwords properly is slow on purpose; tests do not need that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()
