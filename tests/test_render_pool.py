"""The render pool: real PDFs from warm worker processes, and every limit enforced.

Each limit is checked by what a caller sees (a clear error naming the limit) and by what the
pool did (the worker was replaced, the next render works); nothing here measures time.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api_helpers import page_count, pdf_text, sample, tenant_settings

from faktura.errors import InvalidInput
from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from issuing.renderpool import (
    BULK,
    MiB,
    PoolLimits,
    RenderCancelled,
    RenderMemoryLimit,
    RenderPool,
    RenderQueueFull,
    RenderTimeLimit,
)


def long_invoice(lines: int = 1000) -> Invoice:
    data = sample()
    data["lines"] = [copy.deepcopy(data["lines"][0]) for _ in range(lines)]
    return parse_invoice(data)


def one_page() -> Invoice:
    return parse_invoice(sample())


def eventually(condition: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Wait until `condition()` is true (a bound on waiting, not a speed assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("the condition never became true")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tenant_settings(tmp_path_factory.mktemp("pool"), "alpha")


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    with RenderPool(PoolLimits(workers=1, queue_per_worker=1)) as running:
        running.wait_ready()
        yield running


def test_the_pool_renders_a_real_pdf_and_an_issued_invoice_keeps_its_slip(
        pool: RenderPool, settings: Settings) -> None:
    renderer = pool.renderer()
    view, pdf = renderer.render(one_page(), settings, draft=True)
    assert "KLADDE" in pdf_text(pdf) and page_count(pdf) == 1
    assert view.draft and view.fi_slip is None

    numbered = one_page().with_number("20260001")
    view, pdf = renderer.render(numbered, settings, pdf_variant="pdf/a-3b")
    assert view.fi_slip is not None and view.fi_slip.code_line.startswith("+71<")
    assert "20260001" in pdf_text(pdf)


def test_html_and_asyncio(pool: RenderPool, settings: Settings) -> None:
    async def both() -> tuple[str, Any]:
        html = await pool.wait(pool.submit(one_page(), settings, kind="html", draft=True))
        rendered = await pool.wait(pool.submit(one_page(), settings, draft=True,
                                               want_view=False, priority=BULK))
        return html, rendered

    html, (view, pdf) = asyncio.run(both())
    assert html.startswith("<!DOCTYPE html>") and "KLADDE" in html
    assert view is None and pdf.startswith(b"%PDF")


def test_bad_input_comes_back_as_invalid_input(pool: RenderPool, settings: Settings) -> None:
    data = sample()
    data["lines"][0]["unit_price"] = "-1"
    with pytest.raises(InvalidInput) as caught:
        pool.renderer().render(parse_invoice(data), settings)
    assert caught.value.problems[0].field == "lines"


def test_full_queue_refuses_with_retry_after_and_cancelling_frees_it(
        pool: RenderPool, settings: Settings) -> None:
    before = pool.stats()
    running = pool.submit(long_invoice(), settings, draft=True)
    eventually(lambda: pool.stats().running == 1)
    waiting = pool.submit(one_page(), settings, draft=True)
    with pytest.raises(RenderQueueFull) as full:
        pool.submit(one_page(), settings, draft=True)
    assert full.value.retry_after >= 1 and "try again" in str(full.value)

    waiting.cancel()  # a waiting render leaves the queue at once
    assert waiting.future.cancelled() and pool.stats().waiting == 0
    worker = pool.stats().worker_pids[0]
    running.cancel()  # a running one: its worker is stopped and replaced
    with pytest.raises(RenderCancelled):
        running.future.result(timeout=60)
    after = pool.stats()
    assert after.cancelled == before.cancelled + 2
    assert not alive(worker)
    view, pdf = pool.renderer().render(one_page(), settings, draft=True)
    assert pdf.startswith(b"%PDF")
    assert pool.stats().worker_pids[0] != worker


def test_time_limit_replaces_the_worker_and_the_next_render_works(settings: Settings) -> None:
    with RenderPool(PoolLimits(workers=1, time_limit=0.2)) as pool:
        pool.wait_ready()
        worker = pool.stats().worker_pids[0]
        with pytest.raises(RenderTimeLimit) as caught:
            pool.renderer().render(long_invoice(), settings, draft=True)
        assert "too long to render" in str(caught.value)
        assert "1000 lines" in str(caught.value) and "0.2 s" in str(caught.value)
        assert pool.stats().timed_out == 1 and not alive(worker)
        # the same pool renders the next invoice (given the time a one-page render needs)
        job = pool.submit(one_page(), settings, draft=True, time_limit=60)
        _, pdf = pool.result(job)
        assert pdf.startswith(b"%PDF") and pool.stats().worker_pids[0] != worker


def ceiling_below_a_long_render(settings: Settings) -> int:
    """A memory ceiling above a warm worker and below what a 1,000-line render needs, measured
    here: what a worker needs at rest depends on what its imports load."""
    with RenderPool(PoolLimits(workers=1)) as pool:
        pool.renderer().render(one_page(), settings, draft=True)
        warm = pool.stats().max_rss
        pool.renderer().render(long_invoice(), settings, draft=True)
        peak = pool.stats().max_rss
    assert peak - warm > 20 * MiB, (warm, peak)
    return (warm + peak) // 2 // MiB * MiB


def test_memory_ceiling_kills_the_worker_not_the_caller(settings: Settings) -> None:
    ceiling = ceiling_below_a_long_render(settings)
    with RenderPool(PoolLimits(workers=1, memory_limit=ceiling,
                                recycle_memory=ceiling)) as pool:
        pool.wait_ready()
        worker = pool.stats().worker_pids[0]
        with pytest.raises(RenderMemoryLimit) as caught:
            pool.renderer().render(long_invoice(), settings, draft=True)
        assert f"memory limit of {ceiling // MiB} MiB" in str(caught.value)
        stats = pool.stats()
        assert stats.over_memory == 1 and not alive(worker)
        _, pdf = pool.renderer().render(one_page(), settings, draft=True)
        assert pdf.startswith(b"%PDF") and pool.stats().started_workers == 2
        assert worker not in pool.stats().worker_pids


def test_a_worker_is_recycled_after_its_renders(settings: Settings) -> None:
    with RenderPool(PoolLimits(workers=1, recycle_after=1)) as pool:
        first = pool.renderer().render(one_page(), settings, draft=True)[1]
        eventually(lambda: pool.stats().recycled == 1)
        second = pool.renderer().render(one_page(), settings, draft=True)[1]
        assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
        assert pool.stats().started_workers == 2


def test_limits_are_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        PoolLimits(time_limit=0, memory_limit=-1)
    assert [p.field for p in caught.value.problems] == ["render_time_limit",
                                                        "render_memory_limit"]


def test_a_pool_can_be_used_from_a_closed_path(tmp_path: Path) -> None:
    """Closing refuses what still waits, with a clear error instead of a hang."""
    pool = RenderPool(PoolLimits(workers=1))
    settings = tenant_settings(tmp_path, "alpha")
    job = pool.submit(one_page(), settings)
    pool.close()
    with pytest.raises(Exception) as caught:  # noqa: PT011 - shut down or cancelled
        job.future.result(timeout=30)
    assert "shutting down" in str(caught.value) or "cancelled" in str(caught.value)
