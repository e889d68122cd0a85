import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

from django.db import connection

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
}


def _settings_check(*command, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        # (the tests' own DJANGO_ALLOW_ASYNC_UNSAFE is no part of a deployment)
        if k
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ["check"])],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _settings_check(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _settings_check(DEBUG="false", SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr


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


def test_a_number_setting_that_is_not_a_number_is_refused_in_plain_words():
    result = _settings_check(DEBUG="true", SMTP_HOST="mail.example.org", SMTP_PORT="five")
    assert result.returncode != 0
    assert "SMTP_PORT must be a whole number, not 'five'" in result.stderr


def test_healthz_reports_database_and_broker(client, db, real_broker):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": connection.vendor}
    assert body["broker"]["ok"] is True
    assert body["broker"]["detail"] == (
        "redis" if real_broker.startswith("redis") else "filesystem"
    )
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_the_broker_is_unreachable(client, db, monkeypatch):
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


def test_healthz_answers_dockers_check_in_production(client, db, real_broker, settings):
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
