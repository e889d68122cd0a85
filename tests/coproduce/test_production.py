"""The production install, built as the Dockerfile builds it and run as the
containers run it: CI's smoke test of self-hosting.

There is no Docker engine on CI machines, so this builds the production
environment with the Dockerfile's own `uv sync` line (no development
packages) in a folder of its own, with the Python version of the Dockerfile's
base image, and from it runs deploy/entrypoint.sh, the script the containers
run: `collectstatic` (the image build), `migrate`, `web` (gunicorn with DEBUG
off), `worker` and `beat`, against a new PostgreSQL database and Redis, with a
local SMTP server (aiosmtpd) as the mail server. Then, over HTTP as a browser
would: /healthz, a page and its stylesheet, the guide's first-manager command,
a sign-in by emailed code, a new project, and an invitation that the worker
delivers to the SMTP server. It runs once at the site's root and once under a
sub-path (SITE_URL=http://127.0.0.1:PORT/coproduce).

A production dependency left out of pyproject.toml fails here (the worker or
web server cannot start), as it would fail in the container.
"""

import contextlib
import email
import email.policy
import http.client
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings

from tests.conftest import IN_CI

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ENTRYPOINT = str(ROOT / "deploy" / "entrypoint.sh")
START_SECONDS = 120
MAIL_SECONDS = 60
# Variables of the test run that are no part of a deployment.
NOT_DEPLOYMENT = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "CI",
}
MANAGER = "morgan@riverside.example"
INVITEE = "invited.person@example.org"


# --- The production environment, as the Dockerfile builds it -----------------


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _dockerfile_uv_sync() -> list[str]:
    """The Dockerfile's `uv sync` arguments, less its --python (the image's
    interpreter path): one source for how production is installed."""
    line = re.search(r"^RUN (uv sync [^\n]+)$", _dockerfile(), re.MULTILINE)
    assert line, "the Dockerfile has no `RUN uv sync` line"
    words = shlex.split(line.group(1))
    if "--python" in words:
        at = words.index("--python")
        del words[at : at + 2]
    return words


def _dockerfile_python() -> tuple[int, int]:
    tag = re.search(r"^FROM python:(\d+)\.(\d+)", _dockerfile(), re.MULTILINE)
    assert tag, "the Dockerfile does not start from an official python image"
    return int(tag.group(1)), int(tag.group(2))


@pytest.fixture(scope="module")
def production_venv(tmp_path_factory) -> Path:
    python = Path(sys._base_executable)  # the interpreter this venv was made from
    assert sys.version_info[:2] == _dockerfile_python(), (
        f"the tests run on Python {sys.version_info[:2]}, the image on {_dockerfile_python()}"
    )
    venv = tmp_path_factory.mktemp("production") / "venv"
    words = _dockerfile_uv_sync()
    result = subprocess.run(
        [str(BIN / "uv"), *words[1:], "--python", str(python), "--quiet"],
        cwd=ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return venv


def test_the_production_environment_has_no_development_packages(production_venv):
    python = str(production_venv / "bin" / "python")
    for development_only in ("pytest", "factory", "aiosmtpd", "playwright"):
        found = subprocess.run(
            [python, "-c", f"import {development_only}"], capture_output=True, text=True
        )
        assert found.returncode != 0, f"{development_only} is installed in production"
    assert (production_venv / "bin" / "gunicorn").exists()
    assert (production_venv / "bin" / "celery").exists()


# --- Services: a new database, Redis, and a mail server ----------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _need(variable: str, scheme: str) -> str:
    """The configured server (the tests keep their own tasks in memory, so
    the settings, not the environment, say where the real broker is)."""
    value = getattr(settings, variable, "") or ""
    if not value.startswith(scheme):
        message = f"the production smoke test needs {variable}={scheme}..."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture(scope="module")
def database_url():
    """A new, empty database on the configured PostgreSQL server, so the
    migrate step starts from nothing, as on a new install."""
    server = _need("DATABASE_URL", "postgres")
    name = f"coproduce_smoke_{secrets.token_hex(4)}"
    admin = urllib.parse.urlsplit(server)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urllib.parse.urlsplit(server)._replace(path=f"/{name}").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _redis_database(url: str, number: int) -> str:
    """The same Redis server, another database, emptied: this test's queue
    and cache do not meet the other tests' tasks."""
    address = urllib.parse.urlsplit(url)._replace(path=f"/{number}").geturl()
    redis.Redis.from_url(address).flushdb()
    return address


@dataclass
class Inbox:
    """A real SMTP server on 127.0.0.1 that keeps what it is given."""

    messages: list = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, to: str, containing: str = "") -> email.message.EmailMessage:
        deadline = time.monotonic() + MAIL_SECONDS
        with self.arrived:
            while True:
                for message in self.messages:
                    if to in message["To"] and containing in _text(message):
                        return message
                left = deadline - time.monotonic()
                assert left > 0, f"no email to {to} containing {containing!r} arrived: " + str(
                    [(m["To"], m["Subject"]) for m in self.messages]
                )
                self.arrived.wait(left)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture(scope="module")
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


# --- The stack: the containers' commands, from the production environment ----


@dataclass
class Stack:
    site_url: str
    origin: str
    prefix: str
    env: dict
    processes: dict
    inbox: Inbox
    started_seconds: float
    log_dir: Path
    timings: dict = field(default_factory=dict)

    def logs(self) -> str:
        return _logs(self.log_dir)

    def run(self, *command: str, **extra_env) -> subprocess.CompletedProcess:
        """A one-off container command: `docker compose run --rm web ...`."""
        return subprocess.run(
            [ENTRYPOINT, *command],
            cwd=ROOT,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )


def _start(name: str, env: dict, log_dir: Path) -> subprocess.Popen:
    with (log_dir / f"{name}.log").open("w") as log:
        return subprocess.Popen(
            [ENTRYPOINT, name],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )


def _stop(processes: dict) -> None:
    for process in processes.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _logs(log_dir: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted(log_dir.glob("*.log"))
    )


def _get(url: str, timeout: float = 10) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310  (our server)
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture(scope="module", params=["", "/coproduce"], ids=["at the root", "under a path"])
def stack(request, production_venv, database_url, inbox, tmp_path_factory):
    box, smtp_port = inbox
    box.messages.clear()
    prefix = request.param
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    work = tmp_path_factory.mktemp("stack")
    broker = _need("CELERY_BROKER_URL", "redis")
    env = {key: value for key, value in os.environ.items() if key not in NOT_DEPLOYMENT}
    env.update(
        PATH=f"{production_venv / 'bin'}:{env['PATH']}",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL=origin + prefix,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=_redis_database(broker, 11),
        CACHE_URL=_redis_database(broker, 12),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_SECURITY="none",
        DEFAULT_FROM_EMAIL="Coproduce <coproduce@riverside.example>",
        STATIC_ROOT=str(work / "staticfiles"),
        COPRODUCE_VAR_DIR=str(work / "var"),
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        CELERY_WORKER_CONCURRENCY="2",
        # Beat's period, and reminders at any hour, so the test needs no waiting.
        COPRODUCE_BEAT_SECONDS="1",
        COPRODUCE_DAYTIME="always",
    )
    # The image build.
    built = subprocess.run(
        [ENTRYPOINT, "collectstatic"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr

    # `docker compose up`: migrate to the end, then web, worker and beat.
    started = time.monotonic()
    if prefix:
        # The database is the same for both runs: start it empty again.
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrated = subprocess.run(
        [ENTRYPOINT, "migrate"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    processes = {name: _start(name, env, work) for name in ("web", "worker", "beat")}
    deployed = Stack(origin + prefix, origin, prefix, env, processes, box, started, work)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            exited = [name for name, p in processes.items() if p.poll() is not None]
            assert not exited, f"{exited} stopped:\n{_logs(work)}"
            with contextlib.suppress(OSError):
                status, body, _ = _get(f"{origin}{prefix}/accounts/login/", timeout=2)
                if status == 200:
                    break
            assert time.monotonic() < deadline, f"no page served:\n{_logs(work)}"
            time.sleep(0.2)
        deployed.timings["up_to_first_page_seconds"] = round(time.monotonic() - started, 1)
        yield deployed
    finally:
        _stop(processes)


# --- A browser, in a few lines of the standard library -----------------------


class _Forms(HTMLParser):
    """Every form on a page with the values a browser would send, and the
    values each radio button offers."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}, "options": {}})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"radio", "checkbox"}:
                form["options"].setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    form["fields"][name] = attrs.get("value", "on")
            elif kind not in {"submit", "button"}:
                form["fields"][name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in attrs or self._select not in form["fields"]:
                form["fields"][self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


class Browser:
    """Cookies, redirects and forms (with their CSRF token), like a person's."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[str, str]:
        with self.opener.open(url, timeout=20) as response:
            return response.geturl(), response.read().decode()

    def submit(self, url: str, having: str, **values) -> tuple[str, str]:
        """Fill in the form on the page at url that has a field named
        `having`, keeping its defaults, and send it."""
        _, html = self.get(url)
        parser = _Forms()
        parser.feed(html)
        form = next((f for f in parser.forms if having in f["fields"] | f["options"]), None)
        assert form, f"no form with {having!r} at {url}"
        data = {**form["fields"], **values}
        action = urllib.parse.urljoin(url, form["action"] or url)
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(action, data=body, headers={"Referer": url})  # noqa: S310
        with self.opener.open(request, timeout=20) as response:
            return response.geturl(), response.read().decode()

    @staticmethod
    def options(html: str, name: str) -> list[str]:
        parser = _Forms()
        parser.feed(html)
        return next(f["options"][name] for f in parser.forms if name in f["options"])


# --- What the smoke test checks ----------------------------------------------


def test_healthz_through_gunicorn_reports_the_database_the_broker_and_beat(stack):
    deadline = time.monotonic() + START_SECONDS
    while True:
        # Docker asks by the container's own address, without the sub-path.
        status, body, headers = _get(f"{stack.origin}/healthz")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)  # beat's first run is a second or two after it starts
    assert status == 200, body.decode() + stack.logs()
    report = json.loads(body)
    assert report["database"] == {"ok": True, "detail": "postgresql"}
    assert report["broker"] == {"ok": True, "detail": "redis"}
    assert report["beat"]["ok"] is True
    assert report["beat"]["last_ran_seconds_ago"] < 60
    assert "debug" not in report
    assert headers["Server"].startswith("gunicorn")


def test_a_page_and_its_stylesheet_are_served_with_the_site_path(stack):
    status, body, _ = _get(f"{stack.site_url}/accounts/login/")
    assert status == 200
    html = body.decode()
    assert "<title>Sign in - Coproduce</title>" in html
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheets
    for href in stylesheets:
        # WhiteNoise serves the hashed files collectstatic made, under the path.
        assert href.startswith(f"{stack.prefix}/static/"), href
        assert re.search(r"\.[0-9a-f]{12}\.css$", href), href
        status, css, headers = _get(stack.origin + href)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]
        assert len(css) > 1000
    # Addresses in the page carry the path once.
    assert f'href="{stack.prefix}/accounts/signup/"' in html
    if stack.prefix:
        assert f"{stack.prefix}{stack.prefix}" not in html


def test_the_web_server_keeps_a_connection_open_between_requests(stack):
    """gunicorn's threaded workers (deploy/entrypoint.sh web): the proxy's
    connection is kept for the next request, which sync workers would close
    after every response."""
    origin = urllib.parse.urlsplit(stack.origin)
    connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=10)
    try:
        sockets = []
        for _ in range(3):
            connection.request("GET", f"{stack.prefix}/accounts/login/")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert not response.will_close, response.getheader("Connection")
            sockets.append(connection.sock)
        assert sockets[0] is sockets[1] is sockets[2]
    finally:
        connection.close()
    command = " ".join(_commands(stack.processes["web"].pid))
    assert "--worker-class gthread" in command, command


def _commands(group: int) -> list[str]:
    """The command lines of a process group's processes."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                found.append(cmdline.read_bytes().replace(b"\0", b" ").decode())
    return found


def test_the_test_email_command_reaches_the_mail_server(stack):
    sent = stack.run("python", "manage.py", "sendtestemail", "it@riverside.example")
    assert sent.returncode == 0, sent.stderr
    message = stack.inbox.wait_for("it@riverside.example")
    assert message["From"] == "Coproduce <coproduce@riverside.example>"


def test_a_manager_signs_in_by_code_starts_a_project_and_their_invitation_is_delivered(stack):
    made = stack.run(
        "python", "manage.py", "createmanager",
        "--organisation", "Riverside Council", "--email", MANAGER, "--name", "Morgan Price",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert f"sign in at {stack.site_url}/accounts/login/" in made.stdout

    browser = Browser()
    url, _ = browser.submit(f"{stack.site_url}/accounts/login/code/", "email", email=MANAGER)
    code_email = stack.inbox.wait_for(MANAGER, "code")
    code = re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", _text(code_email)).group(0)
    url, html = browser.submit(url, "code", code=code)
    assert "Sign out" in html

    start = f"{stack.site_url}/projects/new/"
    _, form = browser.get(start)
    organisation = Browser.options(form, "organisation")[0]
    url, html = browser.submit(
        start,
        "name",
        organisation=organisation,
        name="Day centre opening hours",
        summary="Choosing new opening hours together.",
    )
    slug = re.search(rf"{re.escape(stack.prefix)}/projects/([\w-]+)/$", url)
    assert slug, url

    invitations = f"{stack.site_url}/projects/{slug.group(1)}/invitations/"
    browser.submit(invitations, "emails", emails=INVITEE, label="participant")
    invitation = stack.inbox.wait_for(INVITEE)
    assert "Day centre opening hours" in invitation["Subject"]
    text = _text(invitation)
    assert f"{stack.site_url}/invitations/" in text
    if stack.prefix:
        assert f"{stack.prefix}{stack.prefix}" not in text
    assert invitation["List-Unsubscribe"].startswith(f"<{stack.site_url}/")


def test_the_containers_health_checks_pass(stack):
    for process in ("web", "worker", "beat"):
        checked = stack.run("health", process)
        assert checked.returncode == 0, f"{process}: {checked.stdout}{checked.stderr}"
        assert f"{process}: healthy" in checked.stdout


def test_memory_after_start_and_after_load_is_measured(stack):
    """Figures for the deploy guide's sizing: resident memory of each
    container's processes after start and after 300 requests."""
    after_start = {name: _resident_mib(p.pid) for name, p in stack.processes.items()}
    for _ in range(100):
        for path in ("/accounts/login/", "/accessibility/", "/accounts/signup/"):
            assert _get(f"{stack.site_url}{path}")[0] == 200
    after_load = {name: _resident_mib(p.pid) for name, p in stack.processes.items()}
    report = {
        "site_url": stack.site_url,
        **stack.timings,
        "memory_mib_after_start": after_start,
        "memory_mib_after_300_requests": after_load,
    }
    print(json.dumps(report))  # noqa: T201  (read with pytest -s)
    if os.environ.get("COPRODUCE_SMOKE_REPORT"):
        with Path(os.environ["COPRODUCE_SMOKE_REPORT"]).open("a") as out:
            out.write(json.dumps(report) + "\n")
    for name, mib in after_load.items():
        assert 20 < mib < 1500, f"{name}: {mib} MiB"


def _resident_mib(group: int) -> float:
    """Resident memory of every process in a process group, in MiB."""
    total_kib = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:  # the process group
                status = (stat.parent / "status").read_text()
                total_kib += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return round(total_kib / 1024, 1)


# --- Production refuses to fail silently --------------------------------------


def test_production_will_not_start_without_a_mail_server(stack):
    refused = stack.run("web", SMTP_HOST="")
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert lines == [
        "Coproduce cannot start: SMTP_HOST is not set. Set it to your mail server, "
        "or EMAIL_TO_FILES=true to keep emails in files instead."
    ]
