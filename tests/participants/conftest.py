import pytest

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _reminder_test_settings(settings):
    """Links in emails use https, as in production (docs/email-rules.md rule 12)."""
    settings.SITE_URL = settings.SITE_ORIGIN = "https://coproduce.example.org"


@pytest.fixture(autouse=True)
def _celery_runs_in_the_test():
    """Tasks enqueued on commit run at once, in the test, instead of going to
    a broker (the end-to-end test uses a real worker instead)."""
    from coproduce.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def member(db):
    """Someone with an account, a verified address and a password (the
    account tests: test_sign_in.py and the others beside it)."""
    return UserFactory(email="sam@example.org", display_name="Sam")


@pytest.fixture
def member_without_password(db):
    person = UserFactory(email="kim@example.org", display_name="Kim")
    person.set_unusable_password()
    person.save()
    return person
