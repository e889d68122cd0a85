import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.celery import app as celery_app
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def test_ci_really_runs_on_postgresql_and_redis(settings):
    if IN_CI:
        assert connection.vendor == "postgresql"
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert connection.vendor in {"postgresql", "sqlite"}


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-key-Zq8vN3xR5tW1yB7mK2pL9sD4fG6hJ0cV",
    "SITE_URL": "https://coproduce.example.org",
    "DATABASE_URL": "postgres://coproduce:secret@db:5432/coproduce",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "SMTP_HOST": "smtp.example.org",
}
# Settings of the machine or the test run that would change what is checked.
DEPLOYMENT_SETTINGS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "CONN_MAX_AGE",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_SECURITY",
    "EMAIL_TO_FILES",
    "TIME_ZONE",
    "COPRODUCE_DAYTIME",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _settings_check(*command, **env):
    clean = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_SETTINGS}
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ["check"])],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _settings_check(**{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_every_required_value():
    result = _settings_check(**PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "says"),
    [
        ("SITE_URL", "SITE_URL is not set. Set it to the public address"),
        ("DATABASE_URL", "DATABASE_URL is not set. Set it to your PostgreSQL database"),
        ("CELERY_BROKER_URL", "CELERY_BROKER_URL is not set. Set it to your Redis server"),
        (
            "SMTP_HOST",
            "SMTP_HOST is not set. Set it to your mail server, or EMAIL_TO_FILES=true "
            "to keep emails in files instead.",
        ),
    ],
)
def test_production_stops_in_one_plain_line_when_a_required_value_is_blank(variable, says):
    """Production does not fail silently later (no SMTP server: every
    reminder marked sent and never delivered; no SITE_URL: every email link
    leads to 127.0.0.1)."""
    result = _settings_check(**{**PRODUCTION, variable: ""})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Coproduce cannot start: {says}"), lines[0]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SITE_URL", "coproduce.example.org", "SITE_URL must be an address such as https://"),
        ("SITE_URL", "ftp://coproduce.example.org", "SITE_URL must be an address"),
        ("DATABASE_URL", "mysqlx://nowhere", "DATABASE_URL must be an address such as postgres://"),
        ("SMTP_PORT", "five", "SMTP_PORT must be a whole number, not 'five'"),
        ("SMTP_SECURITY", "ssl", "SMTP_SECURITY must be one of starttls, tls, none, not 'ssl'"),
        ("TIME_ZONE", "Europe/Londn", "TIME_ZONE must be a time zone name such as Europe/London"),
        ("COPRODUCE_DAYTIME", "nonsense", "COPRODUCE_DAYTIME must be two times such as"),
        ("COPRODUCE_DAYTIME", "20:00-08:00", "COPRODUCE_DAYTIME must be two times such as"),
        ("COPRODUCE_BEAT_SECONDS", "1.5", "COPRODUCE_BEAT_SECONDS must be a whole number"),
        ("CONN_MAX_AGE", "forever", "CONN_MAX_AGE must be a whole number, not 'forever'"),
        ("CONN_MAX_AGE", "-1", "CONN_MAX_AGE must be a number of seconds, 0 or more, not -1"),
        ("CACHE_URL", "memcached://cache:11211", "CACHE_URL must be a Redis address such as"),
    ],
)
def test_a_bad_value_stops_start_up_in_one_plain_line_naming_it(variable, value, says):
    result = _settings_check(**{**PRODUCTION, variable: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Coproduce cannot start: {says}"), lines[0]


def test_email_to_files_is_a_deliberate_choice_in_production(tmp_path):
    show = "from django.conf import settings as s; print(s.MAILERS['default']['BACKEND'])"
    result = _settings_check(
        "shell", "-c", show, **{**PRODUCTION, "SMTP_HOST": "", "EMAIL_TO_FILES": "true"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "coproduce.mail.OutboxBackend"


@pytest.mark.parametrize(
    ("port", "security", "use_tls", "use_ssl"),
    [
        ("587", "", True, False),  # STARTTLS, the usual submission port
        ("465", "", False, True),  # implicit TLS
        ("2525", "tls", False, True),
        ("25", "none", False, False),  # a relay on the same network
    ],
)
def test_smtp_servers_on_port_587_and_465_can_be_used(port, security, use_tls, use_ssl):
    show = (
        "from django.conf import settings as s; o = s.MAILERS['default']['OPTIONS']; "
        "print(o['port'], o['use_tls'], o['use_ssl'])"
    )
    result = _settings_check(
        "shell", "-c", show, **PRODUCTION, SMTP_PORT=port, SMTP_SECURITY=security
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"{port} {use_tls} {use_ssl}"


def test_the_time_zone_is_a_setting_and_new_projects_start_in_it():
    show = (
        "from django.conf import settings as s; from projects.models import Project; "
        "print(s.TIME_ZONE, Project().timezone)"
    )
    result = _settings_check("shell", "-c", show, **PRODUCTION, TIME_ZONE="America/New_York")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "America/New_York America/New_York"


def test_site_url_with_a_path_gives_every_address_that_path_once():
    show = (
        "from django.conf import settings as s; from django.urls import reverse; "
        "from participants.mail.links import absolute_url; "
        "print(s.FORCE_SCRIPT_NAME, s.STATIC_URL, s.ALLOWED_HOSTS[0], "
        "absolute_url(reverse('account_login')))"
    )
    result = _settings_check(
        "shell", "-c", show, **{**PRODUCTION, "SITE_URL": "https://example.org/coproduce/"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "/coproduce",
        "/coproduce/static/",
        "example.org",
        "https://example.org/coproduce/accounts/login/",
    ]


def _show(expression: str, **env) -> str:
    """The value of a Python expression over the settings (as `s`), with
    production's variables and these."""
    result = _settings_check(
        "shell", "-c", f"from django.conf import settings as s; print({expression})", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_sessions_are_kept_in_the_cache_when_a_cache_server_is_configured():
    """With Redis (CACHE_URL, as docker-compose sets it) a signed-in request
    reads its session from Redis, not PostgreSQL; sessions are written to the
    database too (cached_db), so a restarted Redis signs nobody out."""
    engine_and_cache = (
        "s.SESSION_ENGINE, s.CACHES['default']['BACKEND'], s.CACHES['fragments']['BACKEND']"
    )
    with_redis = _show(engine_and_cache, **PRODUCTION, CACHE_URL="redis://redis:6379/1")
    assert with_redis.split() == [
        "django.contrib.sessions.backends.cached_db",
        "django_redis.cache.RedisCache",
        "django_redis.cache.RedisCache",
    ]
    # Without a shared cache, each process would keep its own sessions: the
    # database keeps them; and no process keeps counts another could change.
    without = _show(engine_and_cache, **PRODUCTION)
    assert without.split() == [
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ]


@pytest.mark.parametrize(("value", "kept"), [("", 60), ("0", 0), ("300", 300)])
def test_database_connections_are_kept_open_and_checked_before_reuse(value, kept):
    database = (
        "s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS']"
    )
    assert _show(database, **PRODUCTION, CONN_MAX_AGE=value).split() == [str(kept), "True"]


def test_templates_are_compiled_once_in_production_and_read_afresh_in_development(tmp_path):
    loaders = (
        "[type(loader).__module__ for loader in "
        "__import__('django.template', fromlist=['engines']).engines['django'].engine"
        ".template_loaders]"
    )
    assert _show(loaders, **PRODUCTION) == "['django.template.loaders.cached']"
    development = _show(loaders, DEBUG="true", COPRODUCE_VAR_DIR=str(tmp_path))
    assert development == (
        "['django.template.loaders.filesystem', 'django.template.loaders.app_directories']"
    )


def test_a_signed_in_request_reads_its_session_from_the_cache(client, user, settings):
    """The request path of a signed-in page: with cached_db sessions, one
    query (the user) and no session query, however often the page is asked
    for. /bench/ok is the benchmark's trivial page (coproduce.bench)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.ROOT_URLCONF = "coproduce.bench.urls"
    client.force_login(user)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/bench/ok")
        assert response.status_code == HTTPStatus.OK
        assert response.content == b"ok"
        [only] = [query["sql"] for query in queries]  # the user; no session query
        assert only.startswith('SELECT "participants_user"."id"'), only


def test_the_benchmark_page_exists_only_in_the_benchmark_settings(client, db):
    assert client.get("/bench/ok").status_code == HTTPStatus.NOT_FOUND


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = _settings_check("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_site_answers_to_the_host_in_site_url_by_default():
    result = _settings_check(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ALLOWED_HOSTS)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "'coproduce.example.org'" in result.stdout


def test_blank_settings_count_as_unset(tmp_path):
    """Docker Compose and .env files pass unset variables on as blank ones."""
    blank = dict.fromkeys(
        ["SITE_URL", "ALLOWED_HOSTS", "SMTP_HOST", "SMTP_PORT", "MAIL_OUTBOX_DIR", "LOG_LEVEL"], ""
    )
    show = (
        "from django.conf import settings as s; "
        "print(s.SITE_URL, s.ALLOWED_HOSTS, s.MAIL_OUTBOX_DIR, s.LOGGING['root']['level'])"
    )
    result = _settings_check(
        "shell", "-c", show, DEBUG="true", COPRODUCE_VAR_DIR=str(tmp_path), **blank
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "http://127.0.0.1:8000",
        "['127.0.0.1',",
        "'127.0.0.1',",
        "'localhost',",
        "'[::1]']",
        str(tmp_path / "outbox"),
        "INFO",
    ]


@pytest.fixture
def beat_ran(db):
    """Celery beat ran a moment ago."""
    from coproduce.beat import record_beat

    record_beat()


def test_healthz_reports_database_broker_and_beat(client, beat_ran, real_broker):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": connection.vendor}
    assert body["broker"]["ok"] is True
    assert body["broker"]["detail"] == (
        "redis" if real_broker.startswith("redis") else "filesystem"
    )
    assert body["beat"]["ok"] is True
    assert body["beat"]["last_ran_seconds_ago"] < 5
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_beat_never_ran(client, db, real_broker):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = json.loads(response.content)
    assert body["beat"] == {"ok": False, "detail": "never ran", "last_ran_seconds_ago": None}
    assert body["database"]["ok"] is True


def test_healthz_answers_503_when_beat_has_been_silent_for_several_periods(
    client, beat_ran, real_broker, settings
):
    """A dead beat closes no decision and sends no reminder: /healthz says so
    once it has been silent for BEAT_SILENT_AFTER_SECONDS (5 periods)."""
    settings.BEAT_SILENT_AFTER_SECONDS = 300
    with time_machine.travel(timezone.now() + timedelta(seconds=290), tick=False):
        assert client.get("/healthz").status_code == HTTPStatus.OK
    with time_machine.travel(timezone.now() + timedelta(seconds=310), tick=False):
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    beat = json.loads(response.content)["beat"]
    assert beat["ok"] is False
    assert beat["detail"].startswith("silent for 31")


def test_the_beat_container_health_check_reads_the_heartbeat(beat_ran, settings):
    call_command("healthcheck", "beat", stdout=io.StringIO())
    settings.BEAT_SILENT_AFTER_SECONDS = 60
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False),
        pytest.raises(CommandError, match="Celery beat has been silent for 12"),
    ):
        call_command("healthcheck", "beat")


def test_healthz_answers_503_when_the_broker_is_unreachable(client, beat_ran, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its settings.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True


def test_healthz_answers_dockers_check_in_production(client, beat_ran, real_broker, settings):
    """Docker's health check and load balancers ask over plain HTTP by the
    container's own address, which is neither an allowed host nor HTTPS."""
    settings.ALLOWED_HOSTS = ["coproduce.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == HTTPStatus.OK
    assert json.loads(response.content)["status"] == "ok"
    # Every other page still checks the host and moves to HTTPS.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == HTTPStatus.BAD_REQUEST
    response = client.get("/accessibility/", HTTP_HOST="coproduce.example.org")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"].startswith("https://")
