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

import json
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.bench import load
from coproduce.bench.server import Environment, require_production_services

SIGNED_IN_TARGET = 2.0
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
        require_production_services("bench_requests")
        report = {"sessions": options["sessions"], "servers": {}}
        with Environment("bench_requests", tuple(options["redis_databases"])) as bench:
            bench.step("collectstatic")
            bench.step("migrate")
            self.stdout.write("Loading the demo and signing a participant in...")
            prepared = json.loads(
                bench.step("python", "manage.py", "shell", "-c", PREPARE).splitlines()[-1]
            )
            if options["sessions"] == "db":
                bench.env["CACHE_URL"] = ""
            pages = [
                ("trivial", "/bench/ok", {}),
                ("trivial signed in", "/bench/ok", {"Cookie": prepared["cookie"]}),
                ("your projects", "/", {"Cookie": prepared["cookie"]}),
                ("project home", prepared["project"], {"Cookie": prepared["cookie"]}),
            ]
            for server in servers:
                report["servers"][server.spec] = self._measure(server, bench, pages, options)
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

    def _measure(self, server, bench, pages, options) -> dict:
        self.stdout.write(
            f"\nServer {server.spec}: deploy/entrypoint.sh web {' '.join(server.arguments)}"
        )
        with bench.web(*server.arguments, log_name=f"web-{server.spec.replace(':', '-')}") as web:
            for _, path, headers in pages:  # warm every worker and thread
                load.run("127.0.0.1", bench.port, path, connections=8, seconds=1, headers=headers)
            runs: dict = {label: {c: [] for c in options["connections"]} for label, *_ in pages}
            for number in range(options["rounds"]):
                self.stdout.write(f"  round {number + 1} of {options['rounds']}")
                for label, path, headers in pages:
                    for c in options["connections"]:
                        runs[label][c].append(
                            bench.measure(
                                web,
                                path,
                                connections=c,
                                seconds=options["seconds"],
                                headers=headers,
                                label=label,
                            )
                        )
            database_connections = len(bench.backends())
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
