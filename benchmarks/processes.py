"""What the benchmarks share about the processes they start: the Uniconta emulator in a
process of its own, and a process's CPU time from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from sync.emulator.server import free_port

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User and system CPU time of a process so far (from /proc); with `children`, also that
    of its children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


@contextmanager
def running_emulator(state: Path, *, latency_ms: int = 0,
                     tree: Path = ROOT) -> Iterator[tuple[str, int]]:
    """`tree`'s Uniconta emulator in its own process on 127.0.0.1, its state in the file
    `state`: its base URL and process id."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli.emulator import main; main()", "--port", str(port),
         "--state", str(state), "--latency-ms", str(latency_ms)],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base_url}/_emulator/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the emulator of {tree} did not start") from None
                time.sleep(0.1)
        yield base_url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
