"""`make bench`: what members feel, measured side by side in one run.

1. Creates a throw-away PostgreSQL database and two Redis databases, and
   prepares them with the containers' own commands (deploy/entrypoint.sh:
   collectstatic, migrate) and production settings (DEBUG off, sessions in
   Redis).
2. Seeds an organisation's worth of data (`manage.py bench_seed`: 5,000
   members, 60 projects, 5,000 decisions, 60,000 votes, 20,000 comments,
   ladder answers at every stage that has started) and signs members in.
3. Serves the site with the Dockerfile's gunicorn command (`entrypoint.sh
   web`) on 127.0.0.1 and drives it with a bounded load client
   (coproduce/bench/load.py) at 1 and 8 connections. Each main page is
   measured right after a run of the trivial view (HttpResponse("ok"), not
   signed in): requests per second, p50 and p99, and the page's cost as a
   multiple of that trivial run (its requests per second divided by the
   page's); the median of --rounds rounds.
4. Votes through the real form: --voters members each fetch the decision
   page (for the form's CSRF token), then vote, change their vote and vote
   again (three POSTs each, 8 at once); votes per second over the POSTs.
   The decision is then closed and the stored votes, the tally and what was
   sent must agree exactly.
5. Web worker memory: resident memory of each gunicorn worker after a
   warm-up, then after 1,000 more requests of every page.
6. Reminders through real Celery workers and a real SMTP server, with 1 and
   2 worker processes (`manage.py bench_reminders --celery-worker`).
7. Writes bench/results.json (name, value, unit, ratio, target, met) and
   bench/results.md (the same as a table, with the date and machine), and
   exits with status 3 when a target is missed (1 when something failed).

Targets (issue 12): the signed-in trivial view within 2× of the anonymous
one; every member page within 15× of the trivial view at 8 connections (the
managers' dashboard is measured with no target); 300 votes
a second, nothing lost; 500 reminders a second per worker process and 1.8×
that with two; worker memory within 20% after the 1,000 requests.

Quick look at a small dataset (not for figures): `python manage.py bench
--members 200 --projects 5 --decisions 100 --votes 1000 --comments 300
--voters 20 --rounds 1 --seconds 1 --no-reminders`.
"""

import collections
import datetime
import http.client
import json
import os
import platform
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coproduce.bench import load
from coproduce.bench.server import (
    Environment,
    children,
    require_production_services,
    resident_megabytes,
)

SIGNED_IN_TARGET = 2.0  # × the anonymous trivial view
PAGE_TARGET = 15.0  # × the trivial view, at 8 connections
# Measured and shown, with no target: the targets are for the pages
# members use; the managers' dashboard shows ten projects' figures at once.
NO_TARGET = {"dashboard (manager)"}
VOTES_TARGET = 300  # votes per second through the form
REMINDERS_TARGET = 500  # messages per second per worker process
TWO_WORKERS_TARGET = 1.8  # × one worker process
MEMORY_TARGET = 20.0  # per cent growth of a worker after the requests
MEMORY_REQUESTS = 1000  # per page
CONNECTIONS = (1, 8)
MISSED = 3  # exit status when a target is missed

# Checks the votes cast through the form: run in the server's environment
# with the decision's id and what was sent (form value -> number of votes).
CHECK_VOTES = """
import collections, json, sys
from decisions import services
from decisions.kinds import kind_for
from decisions.models import Decision
from projects.permissions import SYSTEM
decision_id, sent = json.loads(sys.argv[-1])
decision = Decision.objects.get(pk=decision_id)
kind = kind_for(decision)
stored = collections.Counter(kind.form_value(vote) for vote in decision.votes.all())
services.decision_close(decision_id=decision_id, notify=False, actor=SYSTEM)
tally = Decision.objects.get(pk=decision_id).tally
print(json.dumps({
    "stored": stored,
    "voted": tally["voted"],
    "counted": sum(row["total"] for row in tally["rows"]),
    "agree": dict(stored) == sent and tally["voted"] == sum(sent.values())
    and sum(row["total"] for row in tally["rows"]) == sum(sent.values()),
}))
"""


class Command(BaseCommand):
    help = "Seed an organisation's worth of data, serve it as production does, and measure."

    def add_arguments(self, parser):
        sizes = parser.add_argument_group("dataset (passed to bench_seed)")
        for name, default in [
            ("members", 5000),
            ("projects", 60),
            ("decisions", 5000),
            ("votes", 60000),
            ("comments", 20000),
            ("voters", 200),
        ]:
            sizes.add_argument(f"--{name}", type=int, default=default)
        parser.add_argument("--rounds", type=int, default=2, help="rounds of page runs")
        parser.add_argument("--seconds", type=float, default=2.0, help="length of each run")
        parser.add_argument("--memory-requests", type=int, default=MEMORY_REQUESTS, help="per page")
        parser.add_argument(
            "--no-reminders", action="store_true", help="skip the reminder measurement"
        )
        parser.add_argument("--redis-databases", type=int, nargs=2, default=[13, 14])
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "bench",
            help="folder for results.json and results.md",
        )

    def handle(self, *args, **options):
        require_production_services("bench")
        began = time.monotonic()
        self.began = began
        self.results: list[dict] = []
        with Environment("bench", tuple(options["redis_databases"])) as bench:
            self._say("Preparing the database with the containers' commands (migrate)")
            bench.step("collectstatic")
            bench.step("migrate")
            self._say("Seeding (bench_seed)")
            seeded = json.loads(
                bench.step(
                    "python",
                    "manage.py",
                    "bench_seed",
                    "--sessions",
                    *(
                        f"--{name}={options[name]}"
                        for name in ("members", "projects", "decisions", "votes", "comments")
                    ),
                    f"--voters={options['voters']}",
                    on_line=lambda line: self.stdout.write(f"  {line}"),
                ).splitlines()[-1]
            )
            self.counts = seeded["counts"]
            with bench.web() as web:
                pages = self._pages(seeded)
                self._say("Warming up every page")
                for _, path, headers in pages:
                    load.run(
                        "127.0.0.1", bench.port, path, connections=8, seconds=1, headers=headers
                    )
                self._measure_pages(bench, web, pages, options)
                self._measure_votes(bench, seeded)
                self._measure_memory(bench, web, pages, options)
        if not options["no_reminders"]:
            self._measure_reminders()
        self._write(options["output"], time.monotonic() - began)
        missed = [r for r in self.results if r.get("met") is False]
        if missed:
            raise CommandError(
                "Missed: " + "; ".join(f"{r['name']}: {r['value']:,} {r['unit']}" for r in missed),
                returncode=MISSED,
            )
        self._say("Every target met")

    # --- steps --------------------------------------------------------------

    def _say(self, text: str) -> None:
        elapsed = time.monotonic() - self.began
        self.stdout.write(f"[{int(elapsed // 60)}:{int(elapsed % 60):02d}] {text}")
        self.stdout.flush()

    def _record(self, name, value, unit, *, ratio=None, target=None, met=None, **extra) -> None:
        self.results.append(
            {
                "name": name,
                "value": value,
                "unit": unit,
                "ratio": ratio,
                "target": target,
                "met": met,
                **extra,
            }
        )

    @staticmethod
    def _pages(seeded: dict) -> list[tuple[str, str, dict]]:
        cookies = seeded["cookies"]
        member = {"Cookie": cookies["participant"]}
        return [
            ("trivial signed in", "/bench/ok", member),
            ("your projects", "/", member),
            ("project home", seeded["project"], member),
            ("timeline", seeded["timeline"], member),
            ("stage page", seeded["stage"], member),
            ("members", seeded["members"], member),
            ("decision page (member)", seeded["decision"], member),
            ("decision page (facilitator)", seeded["decision"], {"Cookie": cookies["facilitator"]}),
            ("decision log", seeded["log"], member),
            ("dashboard (manager)", "/manage/", {"Cookie": cookies["manager"]}),
        ]

    def _measure_pages(self, bench, web, pages, options) -> None:
        """Every page right after a trivial run, at 1 and 8 connections,
        --rounds times; medians."""
        runs = collections.defaultdict(list)
        total = options["rounds"] * len(CONNECTIONS) * len(pages)
        done = 0
        for _round in range(options["rounds"]):
            for c in CONNECTIONS:
                for label, path, headers in pages:
                    done += 1
                    self._say(f"Pages: {done} of {total}: {label}, {c} connection(s)")
                    trivial = bench.measure(
                        web, "/bench/ok", connections=c, seconds=options["seconds"], headers={}
                    )
                    page = bench.measure(
                        web,
                        path,
                        connections=c,
                        seconds=options["seconds"],
                        headers=headers,
                        label=label,
                    )
                    runs[label, c].append((trivial, page))
        self.stdout.write("")
        self.stdout.write(
            "| page | connections | requests/s | p50 ms | p99 ms | × trivial | web CPU ms |"
        )
        self.stdout.write("|---|---|---|---|---|---|---|")
        for (label, c), pairs in runs.items():
            ratio = statistics.median(t.per_second / p.per_second for t, p in pairs)
            rate = statistics.median(p.per_second for _, p in pairs)
            p50 = statistics.median(p.p50 for _, p in pairs)
            p99 = statistics.median(p.p99 for _, p in pairs)
            cpu = statistics.median(1000 * p.web_cpu / p.requests for _, p in pairs)
            if label == "trivial signed in":
                target = SIGNED_IN_TARGET
            else:
                target = PAGE_TARGET if c == 8 and label not in NO_TARGET else None
            self._record(
                f"{label}, {c} connection{'s' if c > 1 else ''}",
                round(rate, 1),
                "requests/s",
                ratio=round(ratio, 2),
                target=f"≤ {target:g}× trivial" if target else None,
                met=ratio <= target if target else None,
                p50_ms=round(p50, 1),
                p99_ms=round(p99, 1),
                web_cpu_ms=round(cpu, 2),
            )
            self.stdout.write(
                f"| {label} | {c} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {ratio:.1f} | {cpu:.1f} |"
            )
        self.stdout.write("")

    def _measure_votes(self, bench, seeded) -> None:
        voters = seeded["cookies"]["voters"]
        path = seeded["vote_decision"]
        self._say(f"Votes: {len(voters)} members open the decision page for its form")
        forms = [self._vote_form(bench.port, path, cookie) for cookie in voters]
        values = sorted({value for _, _, choices in forms for value in choices})
        passes = [values[1:] + values[:1], values[2:] + values[:2], values]
        posts = []
        sent = collections.Counter()
        for number, order in enumerate(passes):
            for index, (cookie, token, _offered) in enumerate(forms):
                choice = order[index % len(order)]
                posts.append((cookie, token, choice))
                if number == len(passes) - 1:
                    sent[choice] += 1
        self._say(f"Votes: {len(posts)} POSTs through the form (vote, change, vote), 8 at once")
        seconds, failures = self._post_all(bench.port, path + "vote/", posts)
        rate = len(posts) / seconds
        check = json.loads(
            bench.step(
                "python",
                "manage.py",
                "shell",
                "-c",
                CHECK_VOTES.replace(
                    "sys.argv[-1]", repr(json.dumps([seeded["vote_decision_id"], sent]))
                ),
            ).splitlines()[-1]
        )
        self._say(
            f"Votes: {rate:,.0f} per second; {failures} failed; {sum(check['stored'].values())} "
            f"stored for {len(voters)} voters; tally {check['voted']} voted, "
            f"{'agrees' if check['agree'] else 'DOES NOT AGREE'} with what was sent"
        )
        self._record(
            "votes through the form, 8 at once",
            round(rate),
            "votes/s",
            target=f"≥ {VOTES_TARGET}, none lost",
            met=rate >= VOTES_TARGET and check["agree"] and not failures,
            posts=len(posts),
            failed=failures,
            tally_agrees=check["agree"],
        )

    @staticmethod
    def _vote_form(port: int, path: str, cookie: str) -> tuple[str, str, list[str]]:
        """GET the decision page as the voter: their cookies with the CSRF
        cookie added, the form's token, and the answers it offers (a block
        needs a reason, so it is left out)."""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            html = response.read().decode()
            if response.status != 200:
                raise CommandError(f"The vote decision answered {response.status}")
            csrf = [
                value.split(";", 1)[0]
                for header, value in response.getheaders()
                if header.lower() == "set-cookie" and value.startswith(settings.CSRF_COOKIE_NAME)
            ]
        finally:
            connection.close()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        choices = [
            value
            for value in re.findall(r'name="vote-choice"[^>]*value="([^"]+)"', html)
            if value != "block"
        ]
        if not (token and csrf and choices):
            raise CommandError("The vote decision's page has no vote form")
        return f"{cookie}; {csrf[0]}", token.group(1), choices

    @staticmethod
    def _post_all(port: int, path: str, posts: list) -> tuple[float, int]:
        """POST every vote, 8 connections at once, in order within each
        voter; every answer must be a redirect back to the decision page
        (the vote is saved; the page it leads to is measured with the
        others)."""
        decision = path.removesuffix("vote/")
        waiting = queue.Queue()
        for post in posts:
            waiting.put(post)
        failures = [0]
        lock = threading.Lock()

        def client():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                while True:
                    try:
                        cookie, token, choice = waiting.get_nowait()
                    except queue.Empty:
                        return
                    body = urllib.parse.urlencode(
                        {"csrfmiddlewaretoken": token, "vote-choice": choice, "vote-reason": ""}
                    )
                    connection.request(
                        "POST",
                        path,
                        body=body,
                        headers={
                            "Cookie": cookie,
                            "Content-Type": "application/x-www-form-urlencoded",
                        },
                    )
                    response = connection.getresponse()
                    response.read()
                    back = urllib.parse.urlsplit(response.getheader("Location", "")).path
                    if response.status not in (302, 303) or back != decision:
                        with lock:
                            failures[0] += 1
            finally:
                connection.close()

        threads = [threading.Thread(target=client) for _ in range(8)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began, failures[0]

    def _measure_memory(self, bench, web, pages, options) -> None:
        workers = children(web.pid)
        before = {pid: resident_megabytes(pid) for pid in workers}
        requests = options["memory_requests"]
        self._say(
            f"Memory: {len(workers)} workers at {', '.join(f'{m:.0f}' for m in before.values())} "
            f"MB; {requests:,} requests of each of {len(pages)} pages"
        )
        for label, path, headers in pages:
            result = load.run(
                "127.0.0.1",
                bench.port,
                path,
                connections=8,
                seconds=600,
                headers=headers,
                max_requests=requests,
            )
            if result.errors:
                raise CommandError(f"{label}: {result.errors} failed requests")
        if children(web.pid) != workers:
            raise CommandError("A web worker was restarted during the memory run")
        after = {pid: resident_megabytes(pid) for pid in workers}
        growth = max(100 * (after[pid] / before[pid] - 1) for pid in workers)
        self._say(
            f"Memory: {', '.join(f'{m:.0f}' for m in after.values())} MB after; "
            f"the most any worker grew: {growth:.1f}%"
        )
        self._record(
            f"web worker memory growth after {requests:,} requests of each page",
            round(growth, 1),
            "%",
            target=f"≤ {MEMORY_TARGET:g}%",
            met=growth <= MEMORY_TARGET,
            before_mb=[round(before[pid]) for pid in workers],
            after_mb=[round(after[pid]) for pid in workers],
        )

    def _measure_reminders(self) -> None:
        self._say("Reminders: bench_reminders through 1 and 2 Celery workers, over SMTP")
        figures = Path(settings.BASE_DIR) / "var" / "bench-reminders.json"
        figures.parent.mkdir(exist_ok=True)
        figures.unlink(missing_ok=True)
        process = subprocess.Popen(  # noqa: S603  (our own command)
            [
                sys.executable,
                "manage.py",
                "bench_reminders",
                "--celery-worker",
                "--workers",
                "1",
                "2",
                "--rounds",
                "3",
                "--results",
                str(figures),
            ],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for line in process.stdout:
            self.stdout.write(f"  {line.rstrip()}")
        process.wait()
        if not figures.exists():
            raise CommandError("bench_reminders failed before it measured anything")
        for figure in json.loads(figures.read_text()):
            if figure["name"].startswith("reminders, 1 worker"):
                target, met = f"≥ {REMINDERS_TARGET}", figure["value"] >= REMINDERS_TARGET
            elif figure["name"].startswith("reminders, 2 worker"):
                target = f"≥ {TWO_WORKERS_TARGET:g}× one worker"
                met = (figure["ratio"] or 0) >= TWO_WORKERS_TARGET
            else:
                target, met = None, None
            self._record(
                figure["name"],
                figure["value"],
                figure["unit"],
                ratio=figure.get("ratio"),
                target=target,
                met=met,
            )

    def _write(self, folder: Path, seconds: float) -> None:
        folder.mkdir(exist_ok=True)
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        machine = (
            f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        )
        report = {
            "date": when,
            "machine": machine,
            "seconds": round(seconds),
            "dataset": self.counts,
            "results": self.results,
        }
        (folder / "results.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        )
        counts = ", ".join(
            f"{value:,} {name.replace('_', ' ')}" for name, value in self.counts.items()
        )
        lines = [
            "# Benchmark results",
            "",
            f"`make bench`, {when}, on {machine}; {round(seconds)} s in all.",
            f"Dataset: {counts}.",
            "",
            'Ratios are multiples of the trivial view (HttpResponse("ok")) measured '
            "just before each page; for two reminder workers, of one.",
            "",
            "| measure | value | unit | × | target | met |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.results:
            ratio = "" if r["ratio"] is None else f"{r['ratio']:g}"
            met = {True: "yes", False: "**no**", None: ""}[r["met"]]
            value = f"{r['value']:,}" if isinstance(r["value"], int) else f"{r['value']:,.1f}"
            lines.append(
                f"| {r['name']} | {value} | {r['unit']} | {ratio} | {r['target'] or ''} | {met} |"
            )
        (folder / "results.md").write_text("\n".join(lines) + "\n")
        self.stdout.write("\n".join(lines[6:]))
        self._say(f"Wrote {folder / 'results.json'} and {folder / 'results.md'}")
