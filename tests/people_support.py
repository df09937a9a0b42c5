"""For the tests that use Faktura as a person would: the real `faktura` command run from a
folder outside the repository (only FAKTURA_SETTINGS set), and the real server it starts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def environment(settings: Path, **extra: str) -> dict[str, str]:
    """This machine's environment, without Faktura's, plus FAKTURA_SETTINGS and the code."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FAKTURA_")}
    env.update(FAKTURA_SETTINGS=str(settings), PYTHONPATH=str(ROOT), COLUMNS="200", **extra)
    return env


def faktura(folder: Path, settings: Path, *args: str | Path,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`faktura ARGS` in `folder`, as a person would run it there."""
    return subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], cwd=folder,
                          env=environment(settings), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def settings_outside(folder: Path) -> Path:
    """The samples' settings in `folder/config/`, state and archive beside it."""
    config = folder / "config"
    config.mkdir(parents=True)
    shutil.copy(SAMPLES / "logo.png", config / "logo.png")
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    (config / "faktura.toml").write_text(text, encoding="utf-8")
    return config / "faktura.toml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(folder: Path, settings: Path) -> Iterator[str]:
    """`faktura serve` on a free port; yields its base URL; stopped afterwards."""
    port = free_port()
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", "0"],
        cwd=folder, env=environment(settings), stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise AssertionError("faktura serve stopped: "
                                     + (folder / "serve.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("faktura serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def serving_a_copy(issued: tuple[Path, Path], into: Path,
                   label: str) -> Iterator[tuple[str, str, Path]]:
    """`faktura serve` over a copy of the issued samples' folder, made in `into`: (its base
    URL, a new API key labelled `label`, the copy's settings). A test that issues, credits or
    sends works on its own copy, so what the other tests see stays the six samples."""
    original, settings = issued
    folder = into / "copy"
    shutil.copytree(original, folder, ignore=shutil.ignore_patterns("serve.log", "*.claims"))
    settings = folder / settings.relative_to(original)
    key = faktura(folder, settings, "apikey", "create", "--label", label).stdout.strip()
    with serving(folder, settings) as base:
        yield base, key, settings
