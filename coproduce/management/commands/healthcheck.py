"""`python manage.py healthcheck web|worker|beat`: the containers' health
checks (deploy/entrypoint.sh health ...). Exits 0 when healthy; otherwise says
what is wrong in one line and exits 1."""

import socket
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coproduce.celery import app as celery_app
from coproduce.views import beat_silence


class Command(BaseCommand):
    help = "Check that this container's process is healthy (web, worker or beat)."

    def add_arguments(self, parser):
        parser.add_argument("process", choices=["web", "worker", "beat"])
        parser.add_argument("--timeout", type=float, default=5)

    def handle(self, *args, process, timeout, **options):
        getattr(self, f"check_{process}")(timeout)
        self.stdout.write(f"{process}: healthy")

    @staticmethod
    def check_web(timeout):
        """/healthz by the container's own address: database, broker and beat."""
        port = settings.WEB_BIND.rsplit(":", 1)[-1]
        url = f"http://127.0.0.1:{port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=timeout):  # our own address
                return
        except urllib.error.HTTPError as error:
            raise CommandError(f"{url} answered {error.code}: {error.read()[:300]!r}") from None
        except OSError as error:
            raise CommandError(f"{url} did not answer: {error}") from None

    @staticmethod
    def check_worker(timeout):
        """The worker on this host answers a ping through the broker."""
        name = f"celery@{socket.gethostname()}"
        replies = celery_app.control.ping(destination=[name], timeout=timeout)
        if not replies:
            raise CommandError(f"The worker {name} did not answer within {timeout:g} seconds")

    @staticmethod
    def check_beat(timeout):
        silent = beat_silence()
        if silent is None:
            raise CommandError("Celery beat has not run yet")
        if silent > settings.BEAT_SILENT_AFTER_SECONDS:
            raise CommandError(f"Celery beat has been silent for {round(silent)} seconds")
