"""Issuing on booking as a user runs it: the Uniconta emulator and `faktura serve` as their own
processes, settings on the REST transport in drafts mode, and the bookkeeper's hand (the
emulator's admin route that books a draft order)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sync.emulator import fixtures
from sync.emulator.server import free_port

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
TOKEN = "tok-3f9a1c77e2b84d5aa0c1"
AUTH = (f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}", fixtures.PASSWORD)
ENV = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "300"}


def start(args: list[str], ready: str, log: Path, *,
          new_session: bool = False) -> subprocess.Popen[bytes]:
    """`faktura ARGS` as its own process, once `ready` answers (its output in `log`);
    `new_session`: in a process group of its own (its children can be found after a kill)."""
    handle = log.open("ab")
    process = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=ENV,
                               stdout=handle, stderr=subprocess.STDOUT,
                               start_new_session=new_session)
    handle.close()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(ready, timeout=2).status_code < 500:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"{args[0]} did not start: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def group_members(group: int) -> list[int]:
    """The processes still alive in a process group (zombies excepted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == group:
            found.append(int(entry.name))
    return found


@dataclass
class Uniconta:
    """The emulator process: its URL and state file."""

    url: str
    state: Path

    def rest(self, method: str, path: str, **kw: Any) -> Any:
        response = httpx.request(method, f"{self.url}/api/Entities/{path}", auth=AUTH,
                                 timeout=30, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    def book(self, order: int, *lines: str) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/_emulator/book/{order}",
                              json={"add_lines": list(lines)}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def calls(self) -> int:
        """Calls Uniconta has answered (the emulator's count)."""
        return int(httpx.get(f"{self.url}/_emulator/stats", timeout=10).json()["calls"])

    def invoice(self, number: int) -> dict[str, Any]:
        (row,) = self.rest("GET", f"DebtorInvoiceClient?Name=InvoiceNumber&Value={number}")
        return row

    def reset(self) -> None:
        httpx.post(f"{self.url}/_emulator/reset-state", timeout=30).raise_for_status()


@contextmanager
def running_uniconta(folder: Path) -> Iterator[Uniconta]:
    """`faktura uniconta-emulator` as its own process, state in `folder`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(["uniconta-emulator", "--port", str(port), "--state",
                     str(folder / "state.sqlite")], f"{url}/_emulator/health",
                    folder / "emulator.log")
    try:
        yield Uniconta(url, folder / "state.sqlite")
    finally:  # killed: a graceful stop would wait for the calls it was told to delay
        process.kill()
        process.wait()


def rest_settings(folder: Path, uniconta: Uniconta, *, extra: str = "",
                  follow_in_server: bool = True) -> str:
    """The samples' settings for a tenant whose files live in `folder`: the REST transport
    to the emulator in drafts mode, with the webhook token; `extra` TOML appended."""
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "../var"', f'state_dir = "{folder / "state"}"')
    text = text.replace('archive_dir = "../var/archive"', f'archive_dir = "{folder / "archive"}"')
    text = text.replace('logo = "logo.png"', f'logo = "{SAMPLES / "logo.png"}"')
    text = text.replace('# gateway_url = "http://127.0.0.1:8765"',
                        f'gateway_url = "{uniconta.url}"\ntransport = "rest"\n'
                        f'post_as_drafts = true\nwebhook_token = "{TOKEN}"\n'
                        f"follow_in_server = {'true' if follow_in_server else 'false'}")
    return text + extra
