"""The request path, measured: how many requests per second the web server
answers, and how fast, for a trivial page and for real member pages, with
gunicorn's sync or gthread workers.

1. Creates a new PostgreSQL database on the configured server, and uses two
   Redis databases of the configured broker's server (a queue and a cache),
   emptied before and after.
2. Runs the containers' own commands (deploy/entrypoint.sh): collectstatic,
   migrate, then loads the demo (a project with its members and decisions)
   and signs a participant in, with production settings (DEBUG off).
3. For each server configuration (--server), starts `deploy/entrypoint.sh
   web` (the Dockerfile's gunicorn command) on 127.0.0.1 with the
   configuration's gunicorn options, and measures, in rounds that alternate
   pages (median of the rounds), at 1 and 8 connections:
     trivial        /bench/ok, HttpResponse("ok"), no session cookie
     trivial signed in   the same view with a participant's session cookie
     your projects  / signed in
     project home   the demo project's page signed in
   /bench/ok exists only in coproduce.bench.settings (the site's settings
   with that page added), which this benchmark serves.
4. Prints requests per second, p50 and p99 (ms), and each page's cost as a
   multiple of the trivial view of the same round, and writes them as JSON
   (--json). Exits non-zero when the signed-in trivial view is more than
   twice as costly as the anonymous one.

Examples:
  python manage.py bench_requests                       # the entrypoint's default
  python manage.py bench_requests --server sync:3 --server gthread:2:4
  python manage.py bench_requests --sessions db         # sessions in PostgreSQL
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coproduce.bench import load

ENTRYPOINT = Path(settings.BASE_DIR) / "deploy" / "entrypoint.sh"
SIGNED_IN_TARGET = 2.0
# Variables of this shell that are no part of the server's configuration.
NOT_PASSED_ON = {"DJANGO_SETTINGS_MODULE", "DEBUG", "CACHE_URL", "WEB_CONCURRENCY", "CI"}
# Signs in a demo participant with the server's own settings and prints the
# session cookie and the address of their project.
PREPARE = """
import json
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from participants.models import User
from projects.models import Project
call_command("demo", force=True, verbosity=0)
user = User.objects.get(email="aisha@example.org")
browser = Client()
browser.force_login(user)
project = Project.objects.filter(memberships__user=user).order_by("pk").first()
name = settings.SESSION_COOKIE_NAME
print(json.dumps({
    "cookie": f"{name}={browser.cookies[name].value}",
    "project": project.get_absolute_url(),
}))
"""


@dataclass(frozen=True)
class Server:
    """A gunicorn configuration: "sync:WORKERS", "gthread:WORKERS:THREADS",
    or "default" (deploy/entrypoint.sh's own choice, given no options)."""

    spec: str

    @property
    def arguments(self) -> list[str]:
        if self.spec == "default":
            return []
        kind, *numbers = self.spec.split(":")
        if kind == "sync" and len(numbers) == 1:
            return ["--worker-class", "sync", "--threads", "1", "--workers", numbers[0]]
        if kind == "gthread" and len(numbers) == 2:
            return ["--worker-class", "gthread", "--workers", numbers[0], "--threads", numbers[1]]
        raise CommandError(
            f"--server must be default, sync:WORKERS or gthread:WORKERS:THREADS, not {self.spec!r}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


TICK = os.sysconf("SC_CLK_TCK")


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


def redis_database(url: str, number: int) -> str:
    import redis

    address = urllib.parse.urlsplit(url)._replace(path=f"/{number}").geturl()
    redis.Redis.from_url(address).flushdb()
    return address


class Command(BaseCommand):
    help = "Measure the request path through the production gunicorn command."

    def add_arguments(self, parser):
        parser.add_argument(
            "--server",
            action="append",
            help="default, sync:WORKERS or gthread:WORKERS:THREADS (repeat to compare)",
        )
        parser.add_argument(
            "--sessions",
            choices=["cached_db", "db"],
            default="cached_db",
            help="cached_db: with CACHE_URL (Redis), as docker-compose runs; db: without",
        )
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--seconds", type=float, default=3.0, help="length of each run")
        parser.add_argument("--connections", type=int, nargs="+", default=[1, 8])
        parser.add_argument("--redis-databases", type=int, nargs=2, default=[13, 14])
        parser.add_argument("--json", type=Path, help="write the figures to this file")

    def handle(self, *args, **options):
        servers = [Server(spec) for spec in options["server"] or ["default"]]
        for server in servers:
            server.arguments  # noqa: B018  (refuses a bad one before anything starts)
        if connection.vendor != "postgresql":
            raise CommandError("bench_requests needs DATABASE_URL=postgres://... (as production)")
        if not settings.CELERY_BROKER_URL.startswith("redis"):
            raise CommandError("bench_requests needs CELERY_BROKER_URL=redis://... (as production)")
        database_url, admin_url, name = self._database_urls()
        queue_db, cache_db = options["redis_databases"]
        work = tempfile.TemporaryDirectory(prefix="coproduce-bench-requests-")
        folder = Path(work.name)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
        env.update(
            PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            DJANGO_SETTINGS_MODULE="coproduce.bench.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            SITE_URL=f"http://127.0.0.1:{port}",
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=redis_database(settings.CELERY_BROKER_URL, queue_db),
            CACHE_URL=redis_database(settings.CELERY_BROKER_URL, cache_db),
            EMAIL_TO_FILES="true",
            STATIC_ROOT=str(folder / "staticfiles"),
            COPRODUCE_VAR_DIR=str(folder / "var"),
            WEB_BIND=f"127.0.0.1:{port}",
            LOG_LEVEL="WARNING",
        )
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        report = {"sessions": options["sessions"], "servers": {}}
        try:
            self._step("collectstatic", env)
            self._step("migrate", env)
            self.stdout.write("Loading the demo and signing a participant in...")
            prepared = json.loads(
                self._step("python", env, "manage.py", "shell", "-c", PREPARE).splitlines()[-1]
            )
            if options["sessions"] == "db":
                env["CACHE_URL"] = ""
            pages = [
                ("trivial", "/bench/ok", {}),
                ("trivial signed in", "/bench/ok", {"Cookie": prepared["cookie"]}),
                ("your projects", "/", {"Cookie": prepared["cookie"]}),
                ("project home", prepared["project"], {"Cookie": prepared["cookie"]}),
            ]
            for server in servers:
                report["servers"][server.spec] = self._measure(
                    server, env, port, pages, folder, admin_url, name, options
                )
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for number in (queue_db, cache_db):
                redis_database(settings.CELERY_BROKER_URL, number)
            work.cleanup()
        if options["json"]:
            options["json"].write_text(json.dumps(report, indent=2) + "\n")
            self.stdout.write(f"Wrote {options['json']}")
        missed = [
            f"{spec}, {c} connection(s): {figures['ratio']:.1f}×"
            for spec, result in report["servers"].items()
            for c, figures in result["pages"]["trivial signed in"].items()
            if figures["ratio"] > SIGNED_IN_TARGET
        ]
        if missed:
            raise CommandError(
                f"The signed-in trivial view is more than {SIGNED_IN_TARGET:g}× the anonymous "
                "one: " + "; ".join(missed)
            )

    def _database_urls(self) -> tuple[str, str, str]:
        database = connection.settings_dict
        auth = urllib.parse.quote(database.get("USER") or "")
        if database.get("PASSWORD"):
            auth += ":" + urllib.parse.quote(database["PASSWORD"])
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or 5432
        name = f"{database['NAME']}_bench_requests"
        server = f"postgres://{auth}@{host}:{port}"
        return f"{server}/{name}", f"{server}/postgres", name

    def _step(self, command: str, env: dict, *args: str) -> str:
        done = subprocess.run(  # noqa: S603  (our own script)
            [str(ENTRYPOINT), command, *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise CommandError(f"{command} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _measure(self, server, env, port, pages, folder, admin_url, name, options) -> dict:
        self.stdout.write(
            f"\nServer {server.spec}: deploy/entrypoint.sh web {' '.join(server.arguments)}"
        )
        log = folder / f"web-{server.spec.replace(':', '-')}.log"
        with log.open("w") as out:
            web = subprocess.Popen(  # noqa: S603  (our own script)
                [str(ENTRYPOINT), "web", *server.arguments],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_serving(web, port, log)
            for _, path, headers in pages:  # warm every worker and thread
                load.run("127.0.0.1", port, path, connections=8, seconds=1, headers=headers)
            runs: dict = {label: {c: [] for c in options["connections"]} for label, *_ in pages}
            for number in range(options["rounds"]):
                self.stdout.write(f"  round {number + 1} of {options['rounds']}")
                for label, path, headers in pages:
                    for c in options["connections"]:
                        backends = self._database_backends(admin_url, name)
                        web_before = cpu_seconds(group=web.pid)
                        database_before = cpu_seconds(pids=backends)
                        result = load.run(
                            "127.0.0.1",
                            port,
                            path,
                            connections=c,
                            seconds=options["seconds"],
                            headers=headers,
                        )
                        if result.errors:
                            raise CommandError(
                                f"{label}: {result.errors} failed requests:\n"
                                + log.read_text()[-3000:]
                            )
                        result.web_cpu = cpu_seconds(group=web.pid) - web_before
                        result.database_cpu = cpu_seconds(pids=backends) - database_before
                        runs[label][c].append(result)
            database_connections = len(self._database_backends(admin_url, name))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(web.pid, signal.SIGTERM)
            try:
                web.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)
                web.wait(10)
        figures = self._figures(runs, options)
        self._print(figures, options)
        self.stdout.write(
            f"  PostgreSQL connections held by the web server: {database_connections}"
        )
        return {
            "gunicorn": server.arguments,
            "database_connections": database_connections,
            "pages": figures,
        }

    @staticmethod
    def _wait_until_serving(web, port: int, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if web.poll() is not None:
                raise CommandError(f"The web server stopped:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                result = load.run("127.0.0.1", port, "/bench/ok", connections=1, seconds=0.1)
                if result.requests and not result.errors:
                    return
            time.sleep(0.2)
        raise CommandError(f"The web server did not answer:\n{log.read_text()[-3000:]}")

    @staticmethod
    def _database_backends(admin_url: str, name: str) -> set[int]:
        """The PostgreSQL server processes of the web server's connections."""
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])
            return {pid for (pid,) in rows}

    @staticmethod
    def _figures(runs: dict, options) -> dict:
        """Medians over the rounds; the ratio of each round is to the trivial
        view of the same round and connections."""
        figures = {}
        for label, by_connections in runs.items():
            figures[label] = {}
            for c, results in by_connections.items():
                trivial = runs["trivial"][c]
                ratios = [
                    t.per_second / r.per_second for t, r in zip(trivial, results, strict=True)
                ]
                web_ms = [1000 * r.web_cpu / r.requests for r in results]
                database_ms = [1000 * r.database_cpu / r.requests for r in results]
                trivial_ms = [1000 * t.web_cpu / t.requests for t in trivial]
                figures[label][c] = {
                    "requests_per_second": round(load.median([r.per_second for r in results]), 1),
                    "p50_ms": round(load.median([r.p50 for r in results]), 2),
                    "p99_ms": round(load.median([r.p99 for r in results]), 2),
                    "ratio": round(load.median(ratios), 2),
                    # CPU per request: the web server's processes, and
                    # PostgreSQL's for their connections (Redis's not counted).
                    "web_cpu_ms": round(load.median(web_ms), 3),
                    "database_cpu_ms": round(load.median(database_ms), 3),
                    "cpu_ratio": round(
                        load.median([w / t for w, t in zip(web_ms, trivial_ms, strict=True)]), 2
                    ),
                    "requests": sum(r.requests for r in results),
                }
        return figures

    def _print(self, figures: dict, options) -> None:
        self.stdout.write(
            "  | page | connections | requests/s | p50 ms | p99 ms | × trivial "
            "| web CPU ms | × trivial | database CPU ms |\n"
            "  |---|---|---|---|---|---|---|---|---|"
        )
        for label, by_connections in figures.items():
            for c, f in by_connections.items():
                self.stdout.write(
                    f"  | {label} | {c} | {f['requests_per_second']:,.0f} | {f['p50_ms']:.1f} "
                    f"| {f['p99_ms']:.1f} | {f['ratio']:.2f} | {f['web_cpu_ms']:.2f} "
                    f"| {f['cpu_ratio']:.2f} | {f['database_cpu_ms']:.2f} |"
                )
