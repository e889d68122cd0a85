#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    if sys.version_info < (3, 12):  # noqa: UP036  (say so plainly on an old Python)
        sys.exit("Coproduce needs Python 3.12 or newer; this is " + sys.version.split()[0] + ".")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reads the settings, which check themselves)
    except ImproperlyConfigured as error:
        # A missing or bad setting: one plain line naming it, not a traceback.
        sys.exit(f"Coproduce cannot start: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
