"""Production settings (coproduce.settings, from the environment as always)
with one page more: /bench/ok, a trivial view to measure every other page
against. Only `manage.py bench_requests` runs the site with this module."""

from coproduce.settings import *  # noqa: F403  (the real settings, unchanged)

ROOT_URLCONF = "coproduce.bench.urls"
