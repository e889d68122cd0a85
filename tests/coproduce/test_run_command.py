"""`make run` as a newcomer meets it: `manage.py rundev` (what `make run`
starts, once the virtual environment is ready) on an empty data folder with no
server configured, so SQLite, the folder broker and the file outbox, as on a
fresh machine. It must print the address and the demo sign-in details, serve
the demo and /healthz, run a worker that sends the demo's emails and a beat
that schedules tasks, and stop every process it started on Ctrl-C."""

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 120
# Settings a developer or CI may have set that would point the run elsewhere.
SERVER_SETTINGS = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "SMTP_HOST",
    "MAIL_OUTBOX_DIR",
    "SECRET_KEY",
    "SITE_URL",
    "DJANGO_SETTINGS_MODULE",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Output:
    """The run's output, read line by line in a thread."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def join(self) -> None:
        self._thread.join(timeout=10)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, words: str, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while words not in self.text:
            assert process.poll() is None, f"make run stopped early:\n{self.text}"
            assert time.monotonic() < deadline, f"never printed {words!r}:\n{self.text}"
            time.sleep(0.2)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def run(tmp_path):
    """Start the run command as a terminal would (its own process group);
    whatever happens in the test, nothing is left running afterwards."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in SERVER_SETTINGS}
    env.update(
        DEBUG="true",
        COPRODUCE_VAR_DIR=str(tmp_path / "var"),
        COPRODUCE_BEAT_SECONDS="1",
        PORT=str(port),
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rundev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(process.stdout)
    yield process, output, port, tmp_path / "var"
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    output.join()
    process.stdout.close()


def test_make_run_serves_the_demo_with_a_worker_and_beat_and_ctrl_c_stops_them_all(run):
    process, output, port, var_dir = run
    address = f"http://127.0.0.1:{port}/"

    # The address and the sign-in details, once the web server answers.
    output.wait_for(f"Coproduce is running at {address}", process)
    output.wait_for("Press Ctrl-C to stop", process)
    assert "aisha@example.org" in output.text
    assert "password for everyone: coproduce-demo" in output.text
    assert output.text.index("Database is ready.") < output.text.index("Coproduce is running")

    status, html = _get(address)
    assert status == 200
    assert "<title>Design services together - Coproduce</title>" in html

    # The worker sends the demo's "new decision" emails to the outbox and
    # the console; beat sends its tasks (every second in this test).
    output.wait_for("Email to aisha@example.org", process)
    sent = list((var_dir / "outbox").glob("*.eml"))
    assert sent
    # Their links lead to the port served here (SITE_URL follows PORT).
    message = email.message_from_bytes(sent[0].read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:{port}/" in text
    assert "127.0.0.1:8000" not in text
    output.wait_for("Scheduler: Sending due task send-due-reminders", process)
    # Beat has run, so /healthz reports all three parts up.
    status, body = _get(address + "healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert json.loads(body)["database"]["detail"] == "sqlite"
    assert json.loads(body)["broker"]["detail"] == "filesystem"

    children = _children(process.pid)
    assert len(children) == 3, output.text  # web server, worker, beat

    # Ctrl-C in a terminal sends SIGINT to the foreground process group.
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) == 0, output.text
    assert "Stopped." in output.text
    still_running = [pid for pid in children if _running(pid)]
    assert not still_running, f"left running: {still_running}"
    with socket.socket() as probe:
        # The port is free again (for a new server, which reuses addresses).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_make_run_says_plainly_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {key: value for key, value in os.environ.items() if key not in SERVER_SETTINGS}
        env.update(DEBUG="true", COPRODUCE_VAR_DIR=str(tmp_path / "var"), PORT=str(port))
        result = subprocess.run(
            [sys.executable, "manage.py", "rundev"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEADLINE_SECONDS,
        )
    assert result.returncode != 0
    assert f"Something else is using port {port}" in result.stderr
    assert f"PORT={port + 1} make run" in result.stderr
    assert "Traceback" not in result.stderr
