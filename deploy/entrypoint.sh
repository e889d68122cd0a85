#!/bin/sh
# The container's commands, in one place. The Dockerfile (build step, default
# command and health check), docker-compose.yml (migrate, web, worker, beat)
# and CI's production smoke test (tests/coproduce/test_production.py) all run
# this script, so what is tested is what runs.
#
#   migrate          apply database migrations, then stop (compose's "migrate")
#   web              the web server: gunicorn on WEB_BIND (0.0.0.0:8000),
#                    WEB_CONCURRENCY processes of WEB_THREADS threads
#   worker           a Celery worker (CELERY_WORKER_CONCURRENCY processes)
#   beat             Celery beat, which runs the schedule (one only)
#   collectstatic    gather static files into STATIC_ROOT (at image build time)
#   health web|worker|beat   a container's health check: exit 0 when healthy
#   anything else    run as given, e.g. python manage.py createmanager ...
#
# web, worker and beat first check the settings, so a missing or bad value
# stops the container with one plain line naming the variable.
set -eu

command="${1:-web}"
[ "$#" -gt 0 ] && shift

check_settings() {
  python manage.py check --fail-level ERROR >/dev/null
}

case "$command" in
  migrate)
    exec python manage.py migrate --noinput "$@"
    ;;
  web)
    check_settings
    # Chosen by measurement (docs/deploy.md, "Sizing"; manage.py
    # bench_requests): threaded workers (gthread), WEB_CONCURRENCY processes
    # (gunicorn's own variable; one per CPU core) of WEB_THREADS threads.
    # Connections from the proxy stay open between requests (--keep-alive)
    # longer than the proxy keeps an idle one (Caddy: 2 minutes), so the
    # proxy never sends a request on a connection gunicorn is closing.
    # Options given after "web" come last and win, e.g. --workers 4.
    exec gunicorn coproduce.wsgi:application \
      --bind "${WEB_BIND:-0.0.0.0:8000}" \
      --worker-class gthread \
      --workers "${WEB_CONCURRENCY:-2}" \
      --threads "${WEB_THREADS:-4}" \
      --keep-alive 130 \
      --access-logfile - \
      "$@"
    ;;
  worker)
    check_settings
    exec celery -A coproduce worker --loglevel="${LOG_LEVEL:-INFO}" "$@"
    ;;
  beat)
    check_settings
    exec celery -A coproduce beat --loglevel="${LOG_LEVEL:-INFO}" "$@"
    ;;
  collectstatic)
    # At build time there is no .env: placeholders satisfy the settings'
    # production checks; nothing is connected to and nothing is sent.
    DEBUG=false SECRET_KEY=collectstatic-only SITE_URL=https://build.invalid \
      DATABASE_URL=postgres://build.invalid/build CELERY_BROKER_URL=redis://build.invalid \
      EMAIL_TO_FILES=true exec python manage.py collectstatic --noinput "$@"
    ;;
  health)
    exec python manage.py healthcheck "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
