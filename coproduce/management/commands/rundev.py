"""`make run`: the whole of Coproduce on one machine with nothing installed.

Migrates, loads the demo, then starts three processes: the web server, a
Celery worker and Celery beat. Ctrl-C (or SIGTERM) stops all three: each child
gets the signal, has up to 20 seconds to finish, and whatever is left of its
process group is then killed. Children also die if this launcher is killed
(PR_SET_PDEATHSIG on Linux), so nothing is left holding the port.
"""

import contextlib
import ctypes
import io
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 20


def _die_with_parent():
    os.setsid()
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat with the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")

    def handle(self, *args, host, port, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is ready.")
        demo_sign_ins = "" if no_demo else call_command("demo", verbosity=0, stdout=io.StringIO())
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "coproduce", "worker",
                "--loglevel=INFO", "--concurrency=1", "--pool=solo", "--without-gossip",
                "--without-mingle", "--hostname=worker@%h",
            ],
            "beat": [
                python, "-m", "celery", "-A", "coproduce", "beat", "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }  # fmt: skip
        children = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, preexec_fn=_die_with_parent)  # noqa: S603, PLW1509
            for name, command in commands.items()
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        address = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nCoproduce is running at {address}"))
        if demo_sign_ins:
            self.stdout.write(demo_sign_ins)
        self.stdout.write(f"Emails are printed here and saved in {settings.MAIL_OUTBOX_DIR}/")
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")

        while not stopping:
            exited = [name for name, child in children.items() if child.poll() is not None]
            if exited:
                self.stderr.write(f"The {', '.join(exited)} process stopped; stopping the rest.")
                break
            time.sleep(0.5)
        self._stop(children)

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
