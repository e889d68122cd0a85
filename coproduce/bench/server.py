"""The production server, as the benchmarks run it: a throw-away PostgreSQL
database and two Redis databases, the environment the containers get
(production settings, DEBUG off, /bench/ok added), and `deploy/entrypoint.sh`
(the Dockerfile's own commands) to migrate, run management commands and
serve with gunicorn on 127.0.0.1.

Used by `manage.py bench` and `manage.py bench_requests`."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from coproduce.bench import load

ENTRYPOINT = Path(settings.BASE_DIR) / "deploy" / "entrypoint.sh"
# Variables of this shell that are no part of the server's configuration.
NOT_PASSED_ON = {"DJANGO_SETTINGS_MODULE", "DEBUG", "CACHE_URL", "WEB_CONCURRENCY", "CI"}
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pids: set[int] | None = None, group: int | None = None) -> float:
    """CPU time (user and system) used so far by these processes, or by every
    process of a process group. Unlike requests per second, it does not
    change when other programs share the machine."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if pids is not None and int(stat.parent.name) not in pids:
                continue
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if group is not None and int(fields[2]) != group:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers, for its
    master)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


def resident_megabytes(pid: int) -> float:
    """A process's resident memory (VmRSS), in megabytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def redis_database(url: str, number: int) -> str:
    """The address of database `number` on the server of `url`, emptied."""
    import redis

    address = urllib.parse.urlsplit(url)._replace(path=f"/{number}").geturl()
    redis.Redis.from_url(address).flushdb()
    return address


def require_production_services(command: str) -> None:
    if connection.vendor != "postgresql":
        raise CommandError(f"{command} needs DATABASE_URL=postgres://... (as production)")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        raise CommandError(f"{command} needs CELERY_BROKER_URL=redis://... (as production)")


class Environment:
    """A throw-away database (`<configured name>_<suffix>`), two emptied
    Redis databases, a folder, and the variables the containers would get.
    Use as a context manager: everything is removed at the end."""

    def __init__(self, suffix: str, redis_databases: tuple[int, int]):
        database = connection.settings_dict
        auth = urllib.parse.quote(database.get("USER") or "")
        if database.get("PASSWORD"):
            auth += ":" + urllib.parse.quote(database["PASSWORD"])
        server = f"postgres://{auth}@{database.get('HOST') or '127.0.0.1'}"
        server += f":{database.get('PORT') or 5432}"
        self.name = f"{database['NAME']}_{suffix}"
        self.database_url = f"{server}/{self.name}"
        self.admin_url = f"{server}/postgres"
        self.redis_databases = redis_databases
        self.port = free_port()

    def __enter__(self) -> "Environment":
        import psycopg

        self._folder = tempfile.TemporaryDirectory(prefix="coproduce-bench-")
        self.folder = Path(self._folder.name)
        queue, cache = self.redis_databases
        self.env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
        self.env.update(
            PATH=f"{Path(sys.executable).parent}:{self.env.get('PATH', '')}",
            DJANGO_SETTINGS_MODULE="coproduce.bench.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            SITE_URL=f"http://127.0.0.1:{self.port}",
            DATABASE_URL=self.database_url,
            CELERY_BROKER_URL=redis_database(settings.CELERY_BROKER_URL, queue),
            CACHE_URL=redis_database(settings.CELERY_BROKER_URL, cache),
            EMAIL_TO_FILES="true",
            STATIC_ROOT=str(self.folder / "staticfiles"),
            COPRODUCE_VAR_DIR=str(self.folder / "var"),
            WEB_BIND=f"127.0.0.1:{self.port}",
            LOG_LEVEL="WARNING",
        )
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        for number in self.redis_databases:
            redis_database(settings.CELERY_BROKER_URL, number)
        self._folder.cleanup()

    def step(self, command: str, *args: str, on_line: Callable[[str], None] | None = None) -> str:
        """Run `deploy/entrypoint.sh command args...` and return what it
        printed; its error output goes line by line to `on_line` (progress)
        as it comes. Raises CommandError, with the output, when it fails."""
        process = subprocess.Popen(  # noqa: S603  (our own script)
            [str(ENTRYPOINT), command, *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        errors = []
        for line in process.stderr:
            errors.append(line)
            if on_line:
                on_line(line.rstrip("\n"))
        output = process.stdout.read()
        if process.wait() != 0:
            raise CommandError(f"{command} {' '.join(args)} failed:\n{output}{''.join(errors)}")
        return output

    def backends(self) -> set[int]:
        """The PostgreSQL server processes of connections to this database."""
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name])
            return {pid for (pid,) in rows}

    @contextlib.contextmanager
    def web(self, *arguments: str, log_name: str = "web") -> Iterator[subprocess.Popen]:
        """`deploy/entrypoint.sh web` (the Dockerfile's gunicorn command),
        serving on 127.0.0.1 until the block ends."""
        log = self.folder / f"{log_name}.log"
        with log.open("w") as out:
            web = subprocess.Popen(  # noqa: S603  (our own script)
                [str(ENTRYPOINT), "web", *arguments],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        web.log = log
        try:
            self._wait_until_serving(web, log)
            yield web
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(web.pid, signal.SIGTERM)
            try:
                web.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)
                web.wait(10)

    def _wait_until_serving(self, web, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if web.poll() is not None:
                raise CommandError(f"The web server stopped:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                result = load.run("127.0.0.1", self.port, "/bench/ok", connections=1, seconds=0.1)
                if result.requests and not result.errors:
                    return
            time.sleep(0.2)
        raise CommandError(f"The web server did not answer:\n{log.read_text()[-3000:]}")

    def measure(
        self, web, path: str, *, connections: int, seconds: float, headers: dict, label: str = ""
    ) -> load.Result:
        """One run of the load client against `path`, with the CPU time the
        web server and its PostgreSQL connections used. Raises CommandError
        (with the end of the server's log) if any request failed."""
        backends = self.backends()
        web_before = cpu_seconds(group=web.pid)
        database_before = cpu_seconds(pids=backends)
        result = load.run(
            "127.0.0.1",
            self.port,
            path,
            connections=connections,
            seconds=seconds,
            headers=headers,
        )
        if result.errors:
            raise CommandError(
                f"{label or path}: {result.errors} failed requests:\n" + web.log.read_text()[-3000:]
            )
        result.web_cpu = cpu_seconds(group=web.pid) - web_before
        result.database_cpu = cpu_seconds(pids=backends) - database_before
        return result
