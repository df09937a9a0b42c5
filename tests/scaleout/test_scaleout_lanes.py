"""A worker's two lanes: a batch on the workers posts each chunk in one task through the bulk
path (few Uniconta calls, as a local batch), renders on the render lane, and only the render
processes load WeasyPrint (not the posting lane, not the batch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scaleout_support import REPO, faktura_env, scaleout_settings

SAMPLES = ("01-one-line.json", "04-mixed-vat.json", "06-eur-invoice.json")


def _invoices(folder: Path, count: int, run: str) -> None:
    folder.mkdir()
    for n in range(count):
        data = json.loads((REPO / "samples" / SAMPLES[n % len(SAMPLES)]).read_text("utf-8"))
        data["source_id"] = f"LANE-{run}-{n:02d}"
        (folder / f"{n:02d}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def _batch(folder: Path, settings: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`faktura batch` with Python's import log on stderr."""
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "cli.main", "batch",
                           str(folder), "--settings", str(settings)], cwd=cwd,
                          env=faktura_env(), capture_output=True, text=True, timeout=600)


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _maps_pango(pid: int) -> bool:
    return "libpango" in Path(f"/proc/{pid}/maps").read_text()


def test_chunks_post_on_a_lane_without_weasyprint_with_few_uniconta_calls(
        tmp_path: Path, emulator, redis_url, workers):
    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url, broker_url=redis_url)
    worker = workers.start()
    _invoices(tmp_path / "first", 3, "a")
    _invoices(tmp_path / "second", 12, "b")

    first = _batch(tmp_path / "first", settings, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:] + workers.logs()
    calls_before = emulator.stats()["calls"]
    second = _batch(tmp_path / "second", settings, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr[-3000:] + workers.logs()
    assert "issued 12" in second.stdout

    # 12 invoices of known customers: their orders in one call, their lines in one more,
    # one posting each (posted one by one, that would be 36 calls)
    assert emulator.stats()["calls"] - calls_before <= 12 + 2
    assert emulator.stats()["postings"]["committed"] == 15
    logs = workers.logs()
    assert logs.count("Task faktura.post_chunk[") >= 2  # one per batch (received, succeeded)
    assert "Task faktura.post[" not in logs  # never one invoice at a time
    assert logs.count("Task faktura.render[") >= 2 * 15
    # each invoice renders as soon as it is posted, while the rest of its chunk posts
    lines = logs.splitlines()
    chunk = [n for n, line in enumerate(lines) if "Task faktura.post_chunk[" in line][-2:]
    assert any("Task faktura.render[" in line for line in lines[chunk[0]:chunk[1]]), logs

    # WeasyPrint: loaded by the render processes only
    lanes = _children(worker.pid)
    posting = [pid for pid in lanes
               if b"--lane\0post" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(posting) == 1, lanes
    renderers = [pid for pid in lanes if pid not in posting]
    assert renderers and all(_maps_pango(pid) for pid in renderers)  # warm, rendering
    assert not _maps_pango(posting[0])
    assert "celery" in second.stderr and "weasyprint" not in second.stderr
