# Coproduce: one image for the web server, the Celery worker and Celery beat.
# Every command it runs is in deploy/entrypoint.sh (also used by compose and by
# CI's production smoke test).
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH="/opt/venv/bin:$PATH"

WORKDIR /app

RUN pip install --no-cache-dir uv==0.9.30

COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3

COPY . .
RUN deploy/entrypoint.sh collectstatic \
    && useradd --uid 10001 --no-create-home --home-dir /app coproduce \
    && mkdir -p /app/var && chown 10001 /app/var

USER 10001
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s \
  CMD ["/app/deploy/entrypoint.sh", "health", "web"]
