"""`make bench` on a small dataset, so the benchmark cannot rot between the
times someone runs it at full size: seeding, serving with the Dockerfile's
gunicorn command, every page, votes through the real form with the tally
check, the memory run and both report files. Targets are not judged here
(a small dataset on a busy CI machine says nothing about them); that the
command got to the end and measured everything is."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MISSED = 3  # the command's exit status when a target is missed
PAGES = [
    "trivial signed in",
    "your projects",
    "project home",
    "timeline",
    "stage page",
    "members",
    "decision page (member)",
    "decision page (facilitator)",
    "decision log",
    "dashboard (manager)",
]


def test_the_benchmark_measures_everything_on_a_small_dataset(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not (url.startswith("postgres") and settings.CELERY_BROKER_URL.startswith("redis")):
        message = "the benchmark needs DATABASE_URL=postgres://... and a Redis broker"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    env = {**os.environ, "DEBUG": "true", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--members=120",
            "--projects=4",
            "--decisions=60",
            "--votes=600",
            "--comments=200",
            "--voters=12",
            "--rounds=1",
            "--seconds=0.3",
            "--memory-requests=10",
            "--no-reminders",
            "--redis-databases",
            "10",
            "15",
            f"--output={tmp_path}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, MISSED), done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text())
    names = [result["name"] for result in report["results"]]
    for page in PAGES:
        for c in ("1 connection", "8 connections"):
            assert f"{page}, {c}" in names
    votes = next(r for r in report["results"] if r["name"].startswith("votes through"))
    assert votes["posts"] == 36  # 12 voters, three times each
    assert votes["failed"] == 0
    assert votes["tally_agrees"] is True
    assert report["dataset"]["members"] == 120
    table = (tmp_path / "results.md").read_text()
    assert "| decision log, 8 connections |" in table
    assert "Seeding" in done.stdout  # progress is shown
