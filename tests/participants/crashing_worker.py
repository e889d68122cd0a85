"""A real Celery worker that stops at the worst moment: straight after a
change has committed, before its reminders are planned (where
participants.reminders.planning.plan_after_commit hands over on commit). It writes a
file to say it got there, then waits to be killed: the test sends it SIGKILL,
as the kernel's out-of-memory killer or a lost machine would.

    python -m tests.participants.crashing_worker <file> -A coproduce worker ...

Everything else is the ordinary worker (celery's own command line).
"""

import os
import sys
import threading
from pathlib import Path


def main() -> None:
    arrived = Path(sys.argv.pop(1))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    import django

    django.setup()
    from participants.reminders import planning

    def stop_here(event, *args):
        # Written whole, then renamed: the test never reads half a file.
        writing = arrived.with_name(f"{arrived.name}.writing")
        writing.write_text(f"{event} {list(args)}\n")
        writing.replace(arrived)
        threading.Event().wait()  # until the test kills this process

    planning.plan_committed = stop_here

    from celery.__main__ import main as celery

    sys.argv[0] = "celery"
    celery()


if __name__ == "__main__":
    main()
