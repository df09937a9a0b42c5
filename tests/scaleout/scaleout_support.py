"""Fixtures for the scale-out backends: a PostgreSQL schema, an S3 server, Celery workers.

PostgreSQL (127.0.0.1:5432, database `test`), Redis (127.0.0.1:6379) and RabbitMQ
(127.0.0.1:5672) are the machine's own services; every test run uses its own PostgreSQL schema,
Redis database number and queue namespace, and removes them afterwards, so parallel runs do
not collide. The S3 server is `moto_server` on a free loopback port, and tests that restart
the broker start a private `redis-server`. Without a service the tests skip with the reason;
on CI (`CI=true`) a missing service is an error instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
PG_USERS = ("postgres", "root")


def unavailable(reason: str) -> None:
    """Skip, or fail on CI: the backend tests must run there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"scale-out backend not available on CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    import psycopg

    errors = []
    for user in PG_USERS:
        try:
            with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user=user,
                                 connect_timeout=3):
                return f"postgresql+psycopg://{user}@127.0.0.1:5432/test"
        except psycopg.Error as error:
            errors.append(f"{user}: {str(error).strip()}")
    unavailable("PostgreSQL at 127.0.0.1:5432/test: " + "; ".join(errors))
    raise AssertionError  # unreachable


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own (dropped afterwards)."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(pg_server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_server_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


# -- S3 (moto_server) --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible HTTP server on loopback (moto)."""
    exe = shutil.which("moto_server")
    if exe is None:
        unavailable("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for_port(port):
            unavailable("moto_server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials in the environment (as in production) and a fresh bucket name."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    return f"faktura-{uuid.uuid4().hex[:12]}"


# -- brokers -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shared_redis() -> str:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at 127.0.0.1:6379: {error}")
    return "redis://127.0.0.1:6379"


@pytest.fixture
def redis_url(shared_redis: str) -> Iterator[str]:
    """A Redis database number of this test's own (flushed afterwards)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379)
    # 4..15, leaving the low numbers to others; test processes running side by side
    # (pytest-xdist) each take their own number, as one process runs one test at a time.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    number = 4 + (int(worker[2:]) if worker[2:].isdigit() else 0) % 12
    yield f"{shared_redis}/{number}"
    client.close()


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    if not wait_for_port(5672, seconds=1):
        unavailable("RabbitMQ at 127.0.0.1:5672 is not running")
    return "amqp://guest:guest@127.0.0.1:5672//"


@dataclass
class PrivateRedis:
    """A redis-server of this test's own, which the test may stop and start again."""

    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for_port(self.port), "private redis-server did not start"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- the scale-out settings and workers --------------------------------------------------------


def scaleout_settings(tmp: Path, *, gateway_url: str, database_url: str = "",
                      bucket: str = "", endpoint: str = "", broker_url: str = "",
                      namespace: str = "", task_timeout: int = 120) -> Path:
    """`samples/settings-scaleout.toml` with this test's services; returns the file."""
    text = (REPO / "samples" / "settings-scaleout.toml").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        values = {"database_url": database_url, "broker_url": broker_url,
                  "gateway_url": gateway_url, "bucket": bucket, "endpoint_url": endpoint,
                  "queue_namespace": namespace or f"t{uuid.uuid4().hex[:10]}",
                  "state_dir": str(tmp / "state"), "archive_dir": str(tmp / "archive"),
                  "task_timeout": task_timeout}
        if key in values:
            value = values[key]
            line = f"{key} = {value}" if isinstance(value, int) else f'{key} = "{value}"'
        elif key == "logo":
            line = f'logo = "{REPO / "samples" / "logo.png"}"'
        lines.append(line)
    path = tmp / "settings.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def faktura_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@dataclass
class Workers:
    """`faktura worker` processes of one test (each in its own process group)."""

    settings: Path
    log_dir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, concurrency: int = 1) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker", "--settings", str(self.settings),
             "--concurrency", str(concurrency), "--name", f"w{len(self.procs)}@%h"],
            cwd=REPO, env=faktura_env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 of the worker and its pool processes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill(proc)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.log_dir.glob("worker-*.log")))


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    group = Workers(tmp_path / "settings.toml", tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def run_faktura(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, env=faktura_env(),
                          capture_output=True, text=True, timeout=timeout)


def emulator_invoices(base_url: str, client: httpx.Client) -> list[dict[str, object]]:
    answer = client.get("/Companies/12114/Query/DebtorInvoice")
    answer.raise_for_status()
    return list(answer.json())
