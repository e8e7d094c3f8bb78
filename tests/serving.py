"""`hromada serve` as a separate process on a database of its own, for tests that need a real
server: races between desks, the browser. On PostgreSQL (DATABASE_URL set by
scripts/with-postgres) the server gets a fresh database on the same throwaway cluster."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEMO_PASSWORD = "demo-password-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServedApp:
    url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def hromada(self, *args: str, stdin: str | None = None) -> str:
        """Run a `hromada` command against the server's database."""
        done = subprocess.run(
            [sys.executable, "-m", "hromada", *args],
            env=self.env, input=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"hromada {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str) -> str:
        """Run Django code against the server's database (seeding what the demo lacks)."""
        return self.hromada("shell", "--no-imports", "-c", code)


@contextmanager
def _database(base_env: dict[str, str], data_dir: Path) -> Iterator[str]:
    url = base_env.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{data_dir / 'served.sqlite3'}"
        return
    import psycopg

    name = f"hromada_served_{secrets.token_hex(4)}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    """psycopg reads a socket folder from `host=`, not from a percent-encoded host."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    host = unquote(parts.hostname or "") if parts.hostname else ""
    if "%2F" in parts.netloc or "%2f" in parts.netloc:
        host = unquote(parts.netloc.split("@")[-1])
    user = parts.username or "postgres"
    return f"host={host} user={user} dbname={parts.path.lstrip('/')}"


@contextmanager
def serve(
    tmp: Path, *, households: int = 40, threads: int = 8, extra_env: dict[str, str] | None = None
) -> Iterator[ServedApp]:
    """Migrate a fresh database, load a small demo town into it, and serve it."""
    data_dir = tmp / "node"
    data_dir.mkdir(parents=True, exist_ok=True)
    base_env = dict(os.environ)
    with _database(base_env, data_dir) as database_url:
        env = {
            **base_env,
            "DATABASE_URL": database_url,
            "HROMADA_DATA_DIR": str(data_dir),
            "HROMADA_DEMO_PASSWORD": DEMO_PASSWORD,
            "DJANGO_SETTINGS_MODULE": "hromada.settings",
            **(extra_env or {}),
        }
        port = free_port()
        app = ServedApp(url=f"http://127.0.0.1:{port}", env=env, log=tmp / "server.log")
        app.hromada("migrate", "--noinput")
        app.hromada("demo", "--households", str(households))
        with app.log.open("wb") as log:
            app.process = subprocess.Popen(
                [sys.executable, "-m", "hromada", "serve", "--port", str(port),
                 "--threads", str(threads)],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                _wait_until_up(app)
                yield app
            finally:
                app.process.terminate()
                try:
                    app.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    app.process.kill()
                    app.process.wait()


def _wait_until_up(app: ServedApp, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert app.process is not None
        if app.process.poll() is not None:
            raise RuntimeError(f"hromada serve exited:\n{app.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{app.url}/login/", timeout=2):  # noqa: S310 (loopback)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"hromada serve did not answer within {timeout} s")
