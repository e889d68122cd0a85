"""deploy/backup.sh and deploy/restore.sh, run as the backup container runs
them (with sh, configured by libpq's PG* variables), against a real
PostgreSQL: a scratch database of this module's own, migrated by Django, is
backed up, damaged and restored. Old backups are removed on schedule, the
newest never is, and a failed backup leaves no file behind. The nightly
schedule runs against a fake clock: `date` and `sleep` are replaced on PATH by
stubs, so no test waits for real."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
DAY = 24 * 60 * 60
SCRIPT_TIMEOUT = 120

# The database's contents: every table in public with its number of rows.
FINGERPRINT_SQL = """
SELECT table_name || ' ' || (xpath('/row/c/text()', query_to_xml(
    format('SELECT count(*) AS c FROM public.%I', table_name), false, true, '')))[1]::text
FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
ORDER BY table_name
"""
GROUPS = ["Tenants' panel", "Équipe de projet", "Staff"]


def _require_postgres():
    if connection.vendor != "postgresql" or not all(
        shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")
    ):
        message = "needs PostgreSQL (set DATABASE_URL) and its client tools; always runs in CI"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def plain_env():
    """This environment without libpq's variables, in UTC: for the tests
    that never reach a database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    return {**env, "TZ": "UTC", "PGDATABASE": "coproduce_never_touched"}


@pytest.fixture(scope="module")
def server(plain_env):
    """libpq variables for the server the test database is on."""
    _require_postgres()
    settings = connection.settings_dict
    env = {key: value for key, value in plain_env.items() if key != "PGDATABASE"}
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ]:
        if settings.get(key):
            env[variable] = str(settings[key])
    return env


def _psql(env, sql, database="postgres"):
    result = subprocess.run(
        ["psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "-X", "-At", "-d", database, "-c", sql],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _manage(env, *args):
    """manage.py, run against the database env's PG* variables name."""
    user = quote(env.get("PGUSER", ""))
    password = quote(env.get("PGPASSWORD", ""))
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = env.get("PGHOST", "127.0.0.1")
    port = env.get("PGPORT", "5432")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://{auth}{host}:{port}/{env['PGDATABASE']}",
            "DEBUG": "true",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def database(server):
    """A scratch database with Coproduce's schema and some rows; the PG*
    variables that reach it (PGDATABASE among them). Dropped at the end."""
    name = f"coproduce_backup_test_{uuid.uuid4().hex[:12]}"
    _psql(server, f'CREATE DATABASE "{name}"')
    try:
        env = {**server, "PGDATABASE": name}
        migrate = _manage(env, "migrate", "--noinput")
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        values = ", ".join("'" + group.replace("'", "''") + "'" for group in GROUPS)
        _psql(env, f"INSERT INTO auth_group (name) SELECT unnest(ARRAY[{values}])", name)
        yield env
    finally:
        _psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(script, env, *args, **extra_env):
    return subprocess.run(
        ["sh", str(script), *args],
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )


def _backups(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("coproduce-*.dump"))


def _age(path: Path, days: float) -> None:
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def test_a_backup_restores_what_was_there(database, tmp_path):
    before = _psql(database, FINGERPRINT_SQL, database["PGDATABASE"])
    assert "auth_group 3" in before
    assert len(before) > 10  # Django's and Coproduce's tables

    made = _run(BACKUP, database, BACKUP_DIR=str(tmp_path))

    assert made.returncode == 0, made.stderr
    [backup] = _backups(tmp_path)
    assert list(tmp_path.iterdir()) == [tmp_path / backup]  # no temporary file left
    # coproduce-YYYYMMDD-HHMMSS.dump, named by the time it was taken.
    taken = datetime.strptime(backup, "coproduce-%Y%m%d-%H%M%S.dump").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - taken).total_seconds()) < 60
    assert backup in made.stdout
    assert f"({(tmp_path / backup).stat().st_size} bytes)" in made.stdout
    listing = subprocess.run(
        ["pg_restore", "--list", str(tmp_path / backup)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE DATA public auth_group" in listing
    assert "TABLE DATA public django_migrations" in listing
    # Backups hold personal data: only their owner may read them.
    assert (tmp_path / backup).stat().st_mode & 0o077 == 0

    # Rows changed, removed and added, and a whole table dropped.
    name = database["PGDATABASE"]
    _psql(database, "UPDATE auth_group SET name = name || ' (renamed)'", name)
    _psql(database, "DELETE FROM auth_group WHERE name LIKE 'Staff%'", name)
    _psql(database, "INSERT INTO auth_group (name) VALUES ('Added after the backup')", name)
    _psql(database, "DROP TABLE django_session", name)
    assert _psql(database, FINGERPRINT_SQL, name) != before

    restored = _run(RESTORE, database, str(tmp_path / backup))

    assert restored.returncode == 0, restored.stderr
    assert f"Restored {tmp_path / backup} into the database {name}" in restored.stdout
    assert _psql(database, FINGERPRINT_SQL, name) == before
    assert _psql(database, "SELECT name FROM auth_group ORDER BY name", name) == sorted(GROUPS)
    # Django agrees: every migration is recorded as applied.
    check = _manage(database, "migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_backups_older_than_keep_days_are_removed(database, tmp_path):
    ages = {
        "coproduce-20240101-023000.dump": 40,
        "coproduce-20240102-023000.dump": 14 + 1 / 24,  # an hour too old
        "coproduce-20240103-023000.dump": 14 - 1 / 24,  # an hour to go
        "coproduce-20240104-023000.dump": 1,
        "notes.txt": 40,  # not a backup: left alone
        # What backups killed half-way left: removed once a day old, since
        # a recent one may be a backup still being written.
        ".coproduce-20240105-023000.dump.partial": 2,
        ".coproduce-20240106-023000.dump.partial": 0,
    }
    for name, days in ages.items():
        (tmp_path / name).write_bytes(b"old")
        _age(tmp_path / name, days)

    made = _run(BACKUP, database, BACKUP_DIR=str(tmp_path), BACKUP_KEEP_DAYS="14")

    assert made.returncode == 0, made.stderr
    left = sorted(path.name for path in tmp_path.iterdir())
    assert "coproduce-20240101-023000.dump" not in left
    assert "coproduce-20240102-023000.dump" not in left
    assert ".coproduce-20240105-023000.dump.partial" not in left
    assert {
        "coproduce-20240103-023000.dump",
        "coproduce-20240104-023000.dump",
        "notes.txt",
        ".coproduce-20240106-023000.dump.partial",
    } < set(left)
    assert len(_backups(tmp_path)) == 3  # two kept and the new one
    assert "removed" in made.stdout
    assert "coproduce-20240101-023000.dump" in made.stdout


def test_the_newest_backup_is_kept_however_old(tmp_path, plain_env):
    for name, days in [
        ("coproduce-20240101-023000.dump", 60),
        ("coproduce-20240102-023000.dump", 50),
        ("coproduce-20240103-023000.dump", 40),
    ]:
        (tmp_path / name).write_bytes(b"old")
        _age(tmp_path / name, days)

    pruned = _run(BACKUP, plain_env, "--prune", BACKUP_DIR=str(tmp_path), BACKUP_KEEP_DAYS="3")

    assert pruned.returncode == 0, pruned.stderr
    assert _backups(tmp_path) == ["coproduce-20240103-023000.dump"]


def test_a_failed_backup_exits_non_zero_and_leaves_no_file(server, tmp_path):
    failed = _run(
        BACKUP,
        server,
        PGDATABASE=f"coproduce_missing_{uuid.uuid4().hex[:8]}",
        BACKUP_DIR=str(tmp_path),
    )

    assert failed.returncode != 0
    assert "no backup was made" in failed.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_backup_pg_restore_cannot_read_is_not_kept(database, tmp_path):
    """pg_dump stops half-way yet exits 0: the check with pg_restore --list
    catches it, and the half-written file is removed."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "pg_dump").write_text(
        '#!/bin/sh\nfor arg; do case "$arg" in --file=*) file="${arg#--file=}";; esac; done\n'
        'printf "PGDMP half a backup" > "$file"\n'
    )
    (stubs / "pg_dump").chmod(0o755)
    backups = tmp_path / "backups"

    failed = _run(
        BACKUP,
        database,
        BACKUP_DIR=str(backups),
        PATH=f"{stubs}{os.pathsep}{os.environ['PATH']}",
    )

    assert failed.returncode != 0
    assert "could not be read back" in failed.stderr
    assert list(backups.iterdir()) == []


def test_restore_refuses_without_a_readable_backup(server, tmp_path):
    env = {**server, "PGDATABASE": "coproduce_never_touched"}
    no_file = _run(RESTORE, env)
    assert no_file.returncode != 0
    assert "usage: coproduce-restore FILE" in no_file.stderr

    missing = _run(RESTORE, env, str(tmp_path / "coproduce-20240101-023000.dump"))
    assert missing.returncode != 0
    assert "there is no file" in missing.stderr

    not_a_backup = tmp_path / "coproduce-20240102-023000.dump"
    not_a_backup.write_text("not a backup")
    wrong = _run(RESTORE, env, str(not_a_backup))
    assert wrong.returncode != 0
    assert "not a backup that pg_restore can read" in wrong.stderr

    if os.geteuid() != 0:  # root reads any file
        not_a_backup.chmod(0)
        unreadable = _run(RESTORE, env, str(not_a_backup))
        assert unreadable.returncode != 0
        assert "cannot read" in unreadable.stderr


def _fake_clock(tmp_path: Path, start: datetime) -> tuple[Path, Path]:
    """Stubs for `date` (the fake time) and `sleep` (moves the fake time on
    and records how long it was asked to wait). The third sleep stops the
    script with TERM, as `docker compose stop` would."""
    clock = tmp_path / "clock"
    clock.mkdir()
    (clock / "now").write_text(str(int(start.timestamp())))
    real_date = shutil.which("date")
    (clock / "date").write_text(f'#!/bin/sh\nexec {real_date} -d "@$(cat {clock}/now)" "$@"\n')
    (clock / "sleep").write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> {clock}/sleeps\n'
        f'if [ "$(wc -l < {clock}/sleeps)" -ge 3 ]; then kill -TERM "$PPID"; exit 0; fi\n'
        f"echo $(($(cat {clock}/now) + $1)) > {clock}/now\n"
    )
    for stub in ("date", "sleep"):
        (clock / stub).chmod(0o755)
    return clock, clock / "sleeps"


def test_nightly_backs_up_at_backup_at_every_day(database, tmp_path):
    clock, sleeps = _fake_clock(tmp_path, datetime(2025, 3, 1, 1, 0, 0, tzinfo=UTC))
    backups = tmp_path / "backups"

    nightly = _run(
        BACKUP,
        database,
        "--nightly",
        BACKUP_DIR=str(backups),
        BACKUP_AT="02:30",
        PATH=f"{clock}{os.pathsep}{os.environ['PATH']}",
    )

    # Stopped by TERM while it waited for the third night: a clean exit.
    assert nightly.returncode == 0, nightly.stderr
    # 01:00 to 02:30, then a day at a time; no busy loop.
    assert sleeps.read_text().split() == ["5400", "86400", "86400"]
    assert _backups(backups) == [
        "coproduce-20250301-023000.dump",
        "coproduce-20250302-023000.dump",
    ]
    written = [line for line in nightly.stdout.splitlines() if "backup written" in line]
    assert len(written) == 2
    assert written[0].startswith("2025-03-01 02:30:00 UTC backup written:")
    assert "coproduce-20250301-023000.dump (" in written[0]
    assert nightly.stdout.rstrip().endswith("stopped")


def test_nightly_keeps_going_after_a_failed_backup(server, tmp_path):
    clock, sleeps = _fake_clock(tmp_path, datetime(2025, 3, 1, 1, 0, 0, tzinfo=UTC))
    backups = tmp_path / "backups"

    nightly = _run(
        BACKUP,
        {**server, "PGDATABASE": f"coproduce_missing_{uuid.uuid4().hex[:8]}"},
        "--nightly",
        BACKUP_DIR=str(backups),
        PATH=f"{clock}{os.pathsep}{os.environ['PATH']}",
    )

    assert nightly.returncode == 0, nightly.stderr
    assert sleeps.read_text().split() == ["5400", "86400", "86400"]
    assert nightly.stdout.count("the backup FAILED") == 2
    assert "no backup was made" in nightly.stderr
    assert list(backups.iterdir()) == []


@pytest.mark.parametrize(
    ("now", "backup_at", "expected_wait"),
    [
        ((23, 59, 30), "02:30", 2 * 3600 + 30 * 60 + 30),  # past midnight
        ((3, 0, 0), "02:30", 23 * 3600 + 30 * 60),  # today's is past: tomorrow
        ((2, 30, 0), "02:30", DAY),  # just taken: the next is a day away
        ((8, 9, 9), "09:08", 59 * 60 - 9),  # 08 and 09 are not octal
        ((0, 0, 0), "0:05", 5 * 60),
    ],
)
def test_nightly_computes_the_wait_to_the_next_backup_at(
    plain_env, tmp_path, now, backup_at, expected_wait
):
    clock, sleeps = _fake_clock(tmp_path, datetime(2025, 3, 1, *now, tzinfo=UTC))
    # The first sleep is all this test needs: the database is never reached.
    (clock / "sleep").write_text(f'#!/bin/sh\necho "$1" >> {sleeps}\nkill -TERM "$PPID"\n')

    nightly = _run(
        BACKUP,
        plain_env,
        "--nightly",
        BACKUP_DIR=str(tmp_path / "backups"),
        BACKUP_AT=backup_at,
        PATH=f"{clock}{os.pathsep}{os.environ['PATH']}",
    )

    assert nightly.returncode == 0, nightly.stderr
    assert sleeps.read_text().split() == [str(expected_wait)]


@pytest.mark.parametrize(
    ("setting", "value"), [("BACKUP_AT", "25:00"), ("BACKUP_KEEP_DAYS", "two weeks")]
)
def test_bad_settings_are_refused_plainly(plain_env, tmp_path, setting, value):
    refused = _run(
        BACKUP,
        plain_env,
        "--nightly",
        BACKUP_DIR=str(tmp_path),
        **{setting: value},
    )

    assert refused.returncode != 0
    assert f"{setting} must be" in refused.stderr
    assert value in refused.stderr
