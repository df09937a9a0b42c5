"""Payment statuses read in the background of the server: the emulator (its own process) settles
invoices, and with no command run the API shows them paid after the refresh interval, or soon
after Uniconta's webhook, many webhooks coalescing into one read; a throttled Uniconta is
backed off, logged without the password, and read again once it answers."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from delivery_support import settings_file
from test_booking import TOKEN, Uniconta, uniconta  # noqa: F401 - the emulator process fixture
from test_delivery import issue, one_line

from api.app import create_app
from api.auth import KeyStore
from api.tenants import TenantRegistry
from issuing.refresher import Timing
from renderer.render import Renderer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

UNPAID = ("open", "overdue")  # the samples' due date is 10 November 2026
PASSWORD = "demo-secret"  # the settings' Uniconta password


@pytest.fixture
def firm(uniconta: Uniconta, tmp_path: Path, renderer: Renderer  # noqa: F811
         ) -> Iterator[tuple[Path, list[str]]]:
    """Settings with a webhook token, and two invoices issued (posted to the emulator)."""
    httpx.post(f"{uniconta.url}/_emulator/reset-state", timeout=30).raise_for_status()
    path = settings_file(tmp_path / "firm", uniconta.url, 2525)
    text = path.read_text(encoding="utf-8").replace(
        "[uniconta]\n", f'[uniconta]\nwebhook_token = "{TOKEN}"\n')
    path.write_text(text, encoding="utf-8")
    yield path, issue(path, renderer, one_line("BG-1"), one_line("BG-2"))


def _served(path: Path, timing: Timing) -> tuple[TestClient, dict[str, str]]:
    registry = TenantRegistry.load(path)
    store = KeyStore(registry.key_store_path)
    key, _ = store.create("revisorhuset")
    store.close()
    app = create_app(registry, render_workers=1, resume_batches=False, status_timing=timing)
    return TestClient(app), {"Authorization": f"Bearer {key}"}


def _statuses(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.get("/v1/archive", params={"order": "number"}, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["statuses"])


def _wait_for(client: TestClient, headers: dict[str, str], number: str, *status: str) -> None:
    deadline = time.monotonic() + 60
    while (shown := _statuses(client, headers)[number]) not in status:
        assert time.monotonic() < deadline, f"invoice {number} still {shown}"
        time.sleep(0.2)


def _pay(uniconta: Uniconta, number: str, amount: str | None = None) -> None:  # noqa: F811
    body = {"invoice": int(number), **({"amount": amount} if amount else {})}
    httpx.post(f"{uniconta.url}/_emulator/payments", json=body, timeout=10).raise_for_status()


def test_a_payment_shows_after_the_refresh_interval_with_no_command_run(
        uniconta: Uniconta, firm: tuple[Path, list[str]],  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    path, (paid, open_one) = firm
    client, headers = _served(path, Timing(interval=1, gap=0.5, settle=0.2))
    with client:
        _wait_for(client, headers, paid, *UNPAID)  # read by itself
        _pay(uniconta, paid)
        _wait_for(client, headers, paid, "paid")
        assert _statuses(client, headers)[open_one] in UNPAID

        # Uniconta throttles (its daily budget spent): the reads fail, are logged and tried
        # again less and less often; once it answers again, the status arrives.
        httpx.post(f"{uniconta.url}/_emulator/faults", json={"call_limit": 0},
                   timeout=10).raise_for_status()
        with caplog.at_level(logging.WARNING, logger="issuing.refresher"):
            _pay(uniconta, open_one)
            deadline = time.monotonic() + 60
            while len(failed := [r for r in caplog.records
                                 if "trying again in" in r.getMessage()]) < 3:
                assert time.monotonic() < deadline, "no failed read logged"
                time.sleep(0.2)
            # Each retry waits as long as announced (twice as long each time), no sooner.
            announced = [float(r.getMessage().rsplit("in ", 1)[1].split()[0]) for r in failed]
            assert announced[:3] == [0.5, 1.0, 2.0]
            assert all(b.created - a.created >= wait - 0.01 for a, b, wait in
                       zip(failed, failed[1:3], announced, strict=False))
            httpx.post(f"{uniconta.url}/_emulator/faults", json={"call_limit": None},
                       timeout=10).raise_for_status()
            httpx.post(f"{uniconta.url}/_emulator/reset-counters",
                       timeout=10).raise_for_status()
            _wait_for(client, headers, open_one, "paid")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "revisorhuset" in logged and PASSWORD not in logged
    assert TOKEN not in logged


def test_many_webhooks_bring_one_read_soon_after_them(
        uniconta: Uniconta, firm: tuple[Path, list[str]]) -> None:  # noqa: F811
    path, (paid, open_one) = firm
    # No periodic read within the test: only the webhooks ask for one.
    client, headers = _served(path, Timing(interval=3600, gap=30, settle=1))
    with client:
        assert set(_statuses(client, headers).values()) == {"unknown"}
        _pay(uniconta, paid)
        calls = _calls(uniconta)
        for n in range(20):  # one payment, as Uniconta calls for each row it changes
            hook = client.get(f"/v1/uniconta/events/{TOKEN}",
                              params={"Company": 1, "Table": 0, "Operation": "Update"})
            assert hook.status_code == 202, n
        _wait_for(client, headers, paid, "paid")
        assert _statuses(client, headers)[open_one] in UNPAID
        # One read of the open items for the twenty calls (and the login it needed first).
        assert _calls(uniconta) - calls == 2


def _calls(uniconta: Uniconta) -> int:  # noqa: F811
    return uniconta.calls()
