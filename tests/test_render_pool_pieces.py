"""A long invoice in the render pool: its second piece laid out by an idle sibling worker
(renderer/chunked.py), the same bytes as one worker laying it out in one pass, and the same
bytes when the sibling dies in the middle of the piece."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from test_api_helpers import page_count, tenant_settings
from test_render_pool import eventually, long_invoice

from faktura.settings import Settings
from issuing.renderpool import PoolLimits, RenderPool, _cpu_seconds


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tenant_settings(tmp_path_factory.mktemp("pieces"), "alpha")


@pytest.fixture(scope="module")
def one_pass(settings: Settings) -> bytes:
    """The PDF of a 1-worker pool: no sibling, the invoice laid out in one pass."""
    with RenderPool(PoolLimits(workers=1)) as alone:
        alone.wait_ready()
        pdf = alone.renderer().render(long_invoice(120), settings)[1]
        assert alone.stats().pieces_lent == 0
    assert page_count(pdf) >= 3
    return pdf


@pytest.fixture
def pair() -> Iterator[RenderPool]:
    with RenderPool(PoolLimits(workers=2)) as pool:
        pool.wait_ready()
        yield pool


def test_an_idle_sibling_lays_out_the_second_piece_with_the_same_bytes(
        pair: RenderPool, settings: Settings, one_pass: bytes) -> None:
    for lent in (1, 2):
        assert pair.renderer().render(long_invoice(120), settings)[1] == one_pass
        assert pair.stats().pieces_lent == lent
    assert pair.stats().rendered == 2  # a lent piece is no render of its own


def test_a_sibling_killed_in_the_middle_of_the_piece_changes_nothing(
        pair: RenderPool, settings: Settings, one_pass: bytes,
        monkeypatch: pytest.MonkeyPatch) -> None:
    killed: list[int] = []
    lend = RenderPool._lend

    def lend_then_kill(pool: RenderPool, slot: Any, *args: Any) -> Any:
        piece = lend(pool, slot, *args)
        sibling = next(s for s in pool._slots if s.job is piece)
        pid = sibling.pid

        def kill_once_at_work() -> None:
            cpu = _cpu_seconds(pid)
            eventually(lambda: _cpu_seconds(pid) > cpu + 0.05)  # laying the piece out
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        threading.Thread(target=kill_once_at_work, daemon=True).start()
        return piece

    monkeypatch.setattr(RenderPool, "_lend", lend_then_kill)
    assert pair.renderer().render(long_invoice(120), settings)[1] == one_pass
    assert killed and pair.stats().pieces_lent == 0
    monkeypatch.undo()
    eventually(lambda: len(pair.stats().worker_pids) == 2 and killed[0] not in
               pair.stats().worker_pids)
    eventually(lambda: all(s.idle for s in pair._slots))
    assert pair.renderer().render(long_invoice(120), settings)[1] == one_pass
    assert pair.stats().pieces_lent == 1  # the new sibling lays out the next one


def test_a_short_invoice_asks_no_sibling(pair: RenderPool, settings: Settings) -> None:
    assert page_count(pair.renderer().render(long_invoice(30), settings)[1]) <= 2
    assert pair.stats().pieces_lent == 0
