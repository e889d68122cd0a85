"""`make run`: the whole of Coproduce on one machine with nothing installed.

Migrates, loads the demo, then starts three processes: the web server, a
Celery worker and Celery beat. Once the web server answers, it prints the
address and the demo sign-in details (last, so Celery's start-up lines do not
bury them). Ctrl-C (or SIGTERM) stops all three: each child gets SIGTERM, has
up to 20 seconds to finish, and whatever is left of its process group is then
killed. Children also die if this launcher is killed (PR_SET_PDEATHSIG on
Linux), so nothing is left holding the port.
"""

import contextlib
import ctypes
import io
import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 20
WEB_START_SECONDS = 60
# HOST values that mean "every address": the address to open is then this machine's.
EVERY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104  (only when asked)


def _die_with_parent():
    os.setsid()
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _bracketed(host: str) -> str:
    """An IPv6 address in brackets, as addresses with a port need it."""
    return f"[{host}]" if ":" in host else host


def _port_free(host: str, port: int) -> bool:
    """Whether the web server can listen at host:port (as runserver does)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat with the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")

    def handle(self, *args, host, port, no_demo, **options):
        # The children's lines (emails, task logs) appear at once and in order,
        # also when the output goes to a file or a pipe.
        os.environ["PYTHONUNBUFFERED"] = "1"
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(line_buffering=True)
        if not _port_free(host, port):
            raise CommandError(
                f"Something else is using port {port}. Stop it, or choose another port: "
                f"PORT={port + 1} make run"
            )
        local_host = EVERY_ADDRESS.get(host, host)
        if not os.environ.get("SITE_URL", "").strip():
            # Email links (written by the worker) lead to the address served
            # here, whatever HOST and PORT say, unless SITE_URL is given.
            os.environ["SITE_URL"] = f"http://{_bracketed(local_host)}:{port}"
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is ready.")
        demo_sign_ins = "" if no_demo else call_command("demo", verbosity=0, stdout=io.StringIO())
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", f"{_bracketed(host)}:{port}", "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "coproduce", "--quiet", "worker",
                "--loglevel=INFO", "--concurrency=1", "--pool=solo", "--without-gossip",
                "--without-mingle", "--hostname=worker@%h",
            ],
            "beat": [
                python, "-m", "celery", "-A", "coproduce", "--quiet", "beat", "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }  # fmt: skip
        children = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, preexec_fn=_die_with_parent)  # noqa: S603
            for name, command in commands.items()
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        if self._web_answers(local_host, port, children["web"], lambda: stopping):
            address = f"http://{_bracketed(local_host)}:{port}/"
            every = " (and at this machine's other addresses)" if host in EVERY_ADDRESS else ""
            self.stdout.write(self.style.SUCCESS(f"\nCoproduce is running at {address}{every}"))
            if demo_sign_ins:
                self.stdout.write(demo_sign_ins)
            self.stdout.write(f"Emails are printed here and saved in {settings.MAIL_OUTBOX_DIR}/")
            self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")
            self.stdout.flush()

        while not stopping:
            exited = [name for name, child in children.items() if child.poll() is not None]
            if exited:
                self.stderr.write(f"The {', '.join(exited)} process stopped; stopping the rest.")
                break
            time.sleep(0.5)
        self._stop(children)

    @staticmethod
    def _web_answers(host, port, web, stopping) -> bool:
        """Wait until the web server accepts connections; False if it stopped
        (say, the port is in use) or Ctrl-C came first."""
        deadline = time.monotonic() + WEB_START_SECONDS
        while time.monotonic() < deadline and not stopping() and web.poll() is None:
            try:
                with socket.create_connection((host, port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.2)
        return False

    def _stop(self, children):
        self.stdout.write("Stopping...")
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
        for child in children.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
        self.stdout.write("Stopped.")
