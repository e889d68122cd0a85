import os

import pytest

# Playwright's sync API leaves an event loop running in the test thread; the
# browser tests call the ORM from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True, scope="session")
def _tasks_stay_in_this_process():
    """Tasks that code enqueues during tests go to an in-memory broker, never
    to the real one (Redis in CI, var/broker/ on a developer's machine, where
    `make run`'s worker would pick them up). Tests that need the real broker
    ask for the `real_broker_url` fixture; the end-to-end test hands it to the
    worker and beat it starts."""
    from coproduce.celery import app

    saved_env = os.environ.get("CELERY_BROKER_URL")
    saved_conf = app.conf.broker_url, app.conf.broker_transport_options
    # Celery reads CELERY_BROKER_URL from the environment before its settings.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    app.conf.broker_url, app.conf.broker_transport_options = "memory://", {}
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved_conf
    if saved_env is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = saved_env


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Hashing passwords properly is slow on purpose (about 0.3 s each); the
    tests make thousands of users. Set once here for the whole run, so no
    test or conftest needs to set PASSWORD_HASHERS again. Passwords are
    still checked for real, with a fast hasher."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def real_broker(monkeypatch, settings):
    """Point this process's Celery app at the configured broker for one test."""
    from coproduce.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)
    monkeypatch.setitem(app.conf, "broker_url", settings.CELERY_BROKER_URL)
    monkeypatch.setitem(
        app.conf,
        "broker_transport_options",
        getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    )
    return settings.CELERY_BROKER_URL


@pytest.fixture(autouse=True)
def _isolated_outbox_and_cache(settings, tmp_path):
    """Each test gets its own mail outbox folder and an empty cache (allauth's
    rate limits count in the cache). Staff reach the admin without two-step
    sign-in, as with STAFF_MFA_REQUIRED=false; tests/participants/test_mfa.py
    turns it on."""
    from django.core.cache import cache

    settings.MAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.STAFF_MFA_REQUIRED = False
    cache.clear()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a test that skipped there (a missing
    database, broker or browser) fails the run, whatever skipped it."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and session.exitstatus == 0:
        for report in skipped:
            reporter.write_line(f"SKIPPED IN CI (not allowed): {report.nodeid}", red=True)
        session.exitstatus = 1
