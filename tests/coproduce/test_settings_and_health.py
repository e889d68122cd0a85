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


def _settings_check(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
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
