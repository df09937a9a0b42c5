"""Run the emulator with uvicorn in a background thread on 127.0.0.1 (tests, local dev).

with running_emulator(tmp_path / "emu.sqlite") as emu:
    httpx.get(f"{emu.base_url}/Companies", auth=(emu.login, emu.password))
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from sync.emulator import fixtures
from sync.emulator.app import create_app
from sync.emulator.settings import EmulatorSettings


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningEmulator:
    """A started emulator: where it listens and how to log in."""

    base_url: str
    state_path: Path
    app: FastAPI
    login: str = fixtures.LOGIN
    password: str = fixtures.PASSWORD
    company_id: int = fixtures.COMPANY_ID

    @property
    def auth(self) -> tuple[str, str]:
        return (self.login, self.password)


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # pragma: no cover - thread has no signals
        pass


@contextmanager
def running_emulator(
    state_path: Path,
    settings: EmulatorSettings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    startup_timeout: float = 15.0,
) -> Iterator[RunningEmulator]:
    """Serve ``create_app(state_path, settings)`` until the ``with`` block ends."""
    app = create_app(state_path, settings=settings)
    port = port or free_port(host)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="critical", access_log=False, lifespan="on"
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name=f"uniconta-emulator-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"emulator did not start on {base_url}")
        time.sleep(0.02)
    try:
        httpx.get(f"{base_url}/_emulator/health", timeout=5).raise_for_status()
        yield RunningEmulator(base_url, Path(state_path), app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
