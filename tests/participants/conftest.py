import pytest


@pytest.fixture(autouse=True)
def _reminder_test_settings(settings):
    """Links in emails use https, as in production (docs/email-rules.md rule 12); the
    fast password hasher keeps the factories quick."""
    settings.SITE_URL = settings.SITE_ORIGIN = "https://coproduce.example.org"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_runs_in_the_test():
    """Tasks enqueued on commit run at once, in the test, instead of going to
    a broker (the end-to-end test uses a real worker instead)."""
    from coproduce.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
