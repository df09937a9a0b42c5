"""The batch engine: bad invoices reported, duplicates, resumption, worker processes, the CLI."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from test_api_helpers import (
    ROOT,
    FakeIssuers,
    FakePoster,
    page_count,
    pdf_text,
    sample,
    tenant_settings,
    write_settings_file,
)

from archive import LocalArchive
from cli.batch import issue_batch
from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from issuing.batch import (
    BatchInput,
    Outcome,
    ProcessRenderer,
    merge_pdfs,
    parse_inputs,
    read_inputs,
    run_batch,
)
from issuing.bulk import run_bulk_batch
from issuing.pipeline import Issuer
from renderer.render import Renderer
from sync.emulator.server import running_emulator


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def write_invoices(folder: Path, count: int, prefix: str = "INV") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{i:03d}.json"
        path.write_text(json.dumps(sample(source_id=f"{prefix}-{i:03d}")), encoding="utf-8")
        paths.append(path)
    return paths


def test_read_inputs_keeps_bad_files_as_reported_errors(tmp_path: Path) -> None:
    write_invoices(tmp_path, 2)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "wrong.json").write_text(json.dumps(sample(issue_date="31-12-2026")))
    inputs = read_inputs([tmp_path])
    assert [i.name for i in inputs] == ["000.json", "001.json", "bad.json", "wrong.json"]
    assert inputs[2].error is not None and "not valid JSON" in str(inputs[2].error)
    assert inputs[3].error is not None
    assert [p.field for p in inputs[3].error.problems] == ["issue_date"]


def test_batch_finishes_the_others_and_reports_the_bad_one(tmp_path: Path,
                                                           renderer: Renderer) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    poster = FakePoster()
    bad = sample(source_id="B-BAD")
    bad["lines"][0]["quantity"] = "lots"
    negative = sample(source_id="B-NEG")
    negative["lines"][0]["unit_price"] = "-5"
    inputs = parse_inputs([sample(source_id="B-1"), bad, negative,
                           sample(source_id="B-2"), sample(source_id="B-1")])
    seen: list[int] = []
    with LocalArchive(settings.archive_dir) as archive:
        issuer = Issuer(settings, poster=poster, archive=archive, renderer=renderer)
        report = run_batch(issuer, inputs, on_result=lambda r: seen.append(r.index))
        outcomes = [r.outcome for r in report.results]
        assert outcomes == [Outcome.ISSUED, Outcome.FAILED, Outcome.FAILED, Outcome.ISSUED,
                            Outcome.ALREADY_ISSUED]
        assert [(p.field, p.message) for p in report.results[1].problems] == [
            ("lines[0].quantity",
             "must be a number written with the digits 0-9 and an optional decimal point")]
        assert report.results[2].problems[0].field == "lines"  # negative total: credit note
        assert report.results[0].invoice_number == report.results[4].invoice_number
        assert sorted(seen) == [0, 1, 2, 3, 4]
        assert len(archive.list("alpha")) == 2

        again = run_batch(issuer, inputs)  # a re-run issues nothing new
        assert [r.outcome for r in again.results] == [
            Outcome.ALREADY_ISSUED, Outcome.FAILED, Outcome.FAILED, Outcome.ALREADY_ISSUED,
            Outcome.ALREADY_ISSUED]
        assert len(archive.list("alpha")) == 2


def test_changed_invoice_in_a_batch_is_reported_not_reissued(tmp_path: Path,
                                                             renderer: Renderer) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    with LocalArchive(settings.archive_dir) as archive:
        issuer = Issuer(settings, poster=FakePoster(), archive=archive, renderer=renderer)
        run_batch(issuer, parse_inputs([sample(source_id="C-1")]))
        changed = sample(source_id="C-1")
        changed["lines"][0]["unit_price"] = "1.00"
        report = run_batch(issuer, parse_inputs([changed]))
        assert report.results[0].outcome is Outcome.FAILED
        assert "credit note" in report.results[0].reason


def test_process_pool_renders_and_posts_one_at_a_time(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    poster = FakePoster()
    inputs = parse_inputs([sample(source_id=f"P-{i}") for i in range(6)])
    with ProcessRenderer(2) as pool, LocalArchive(settings.archive_dir) as archive:
        issuer = Issuer(settings, poster=poster, archive=archive, renderer=pool)
        report = run_batch(issuer, inputs, renderer=pool)
    assert all(r.outcome is Outcome.ISSUED for r in report.results)
    numbers = [r.invoice_number for r in report.results]
    assert len(set(numbers)) == 6
    assert numbers == sorted(numbers, key=int)  # numbered in the order of the input files
    assert poster.max_active == 1 and poster.posts == 6
    assert sorted(poster.archived) == sorted(numbers)


def test_in_chunks_the_process_pool_renders_and_posts_in_input_order(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    poster = FakePoster()
    inputs = parse_inputs([sample(source_id=f"P-{i}") for i in range(7)])
    inputs.insert(3, parse_inputs([sample(source_id="P-1")])[0])  # the same invoice again
    with ProcessRenderer(2) as pool, LocalArchive(settings.archive_dir) as archive:
        issuer = Issuer(settings, poster=poster, archive=archive, renderer=pool)
        report = run_bulk_batch(issuer, inputs, chunk_size=3, renderer=pool)
    assert [r.outcome for r in report.results] == [Outcome.ISSUED] * 3 + [
        Outcome.ALREADY_ISSUED] + [Outcome.ISSUED] * 4
    numbers = [r.invoice_number for r in report.results]
    assert numbers[3] == numbers[1] and len(set(numbers)) == 7
    first = numbers[:3] + numbers[4:]
    assert first == sorted(first, key=int)  # numbered in the order of the input files
    assert poster.max_active == 1 and poster.posts == 7
    assert sorted(poster.archived) == sorted(numbers)


def test_a_killed_render_worker_is_replaced(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    invoice = parse_invoice(sample()).with_number("20260001")
    with ProcessRenderer(1) as pool:
        pool.warm_up()
        for pid in pool.worker_pids():  # the test kills a worker
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        view, pdf = pool.render(invoice, settings)
        assert pdf.startswith(b"%PDF") and view.invoice.invoice_number == "20260001"


def test_worker_errors_come_back_as_invalid_input(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    data = sample()
    data["lines"][0]["unit_price"] = "-1"
    with ProcessRenderer(1) as pool, pytest.raises(InvalidInput) as caught:
        pool.render(parse_invoice(data), settings)
    assert caught.value.problems[0].field == "lines"


def test_merge_pdfs(renderer: Renderer, tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    one = renderer.render(parse_invoice(sample()), settings)[1]
    long = renderer.render(parse_invoice(sample("03-long-annual.json")), settings)[1]
    merged = merge_pdfs([one, long, one])
    assert page_count(merged) == 2 * page_count(one) + page_count(long)


def test_issue_batch_writes_out_folder_and_merged_print_file(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    paths = write_invoices(tmp_path / "in", 3)
    (tmp_path / "in" / "zz-bad.json").write_text("[]")
    inputs: list[BatchInput] = read_inputs([tmp_path / "in"])
    console = Console(record=True, width=160)
    report = issue_batch(inputs, settings, workers=0, out=tmp_path / "out",
                         merged=tmp_path / "print.pdf", console=console,
                         open_issuer=FakeIssuers())
    assert report.count(Outcome.ISSUED) == 3 and len(report.failed) == 1
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"{n}.pdf" for n in report.archived_numbers)
    assert page_count((tmp_path / "print.pdf").read_bytes()) == len(paths)
    output = console.export_text()
    assert "issued 3 · already issued 0 · failed 1" in output
    assert "zz-bad.json" in output


# -- the command, killed and run again, issuing for real through the built-in emulator ----------


def batch_process(settings: Path, folder: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "cli.batch", str(folder), "--settings",
               str(settings), *extra]
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def count_archived(index: Path) -> int:
    """Rows in the archive index, read-only (the batch may be creating it right now)."""
    if not index.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM archive_entries").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.parametrize("posting", [(), ("--chunk", "4")], ids=["one at a time", "in chunks"])
def test_killed_batch_resumes_and_issues_each_invoice_exactly_once(
        tmp_path: Path, posting: tuple[str, ...]) -> None:
    state = tmp_path / "var"
    settings = write_settings_file(tmp_path / "settings.toml", "killtest", state)
    folder = tmp_path / "in"
    write_invoices(folder, 8, prefix="KILL")
    (folder / "zz-bad.json").write_text(json.dumps(sample(source_id="KILL-BAD",
                                                          currency_code="EUR")))
    index = state / "archive" / "index.sqlite"

    first = batch_process(settings, folder, "--workers", "2", *posting)
    deadline = time.monotonic() + 120
    archived = 0
    while archived == 0:
        assert first.poll() is None, first.communicate()[0]
        assert time.monotonic() < deadline, "nothing was archived in time"
        time.sleep(0.1)
        archived = count_archived(index)
    os.killpg(first.pid, signal.SIGKILL)  # the batch, its render workers, its emulator
    first.wait(timeout=30)
    with LocalArchive(state / "archive") as archive:
        archived_at_kill = len(archive.list("killtest"))
    assert 1 <= archived_at_kill < 8

    second = batch_process(settings, folder, "--workers", "2", "--merged",
                           str(tmp_path / "print.pdf"), *posting)
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 1, output  # 1: the bad invoice failed, the others are issued
    assert "exchange_rate" in output
    assert (f"issued {8 - archived_at_kill} · already issued {archived_at_kill} · failed 1"
            in output), output

    with LocalArchive(state / "archive") as archive:
        entries = archive.list("killtest")
        source_ids = [e.source_id for e in entries]
        numbers = [e.invoice_number for e in entries]
        assert sorted(source_ids) == [f"KILL-{i:03d}" for i in range(8)]  # each exactly once
        assert len(set(numbers)) == 8
        assert archive.verify("killtest").ok
        for entry in entries:
            assert entry.invoice_number in pdf_text(archive.pdf("killtest",
                                                                entry.invoice_number))
    assert page_count((tmp_path / "print.pdf").read_bytes()) == 8
    with running_emulator(state / "emulator.sqlite") as emulator:  # Uniconta's side
        posted = httpx.get(f"{emulator.base_url}/Companies/{emulator.company_id}/Query/"
                           "DebtorInvoice", auth=emulator.auth, timeout=30).json()
    assert len(posted) == 8  # posted exactly once each, despite the kill


def test_a_batch_for_the_workers_is_refused_for_an_e_invoice_format_not_on_offer(
        tmp_path: Path) -> None:
    """Its issuer is built as every other: the settings' e-invoice format is checked before
    the broker is ever asked (nothing listens at its address)."""
    from pydantic import SecretStr

    base = tenant_settings(tmp_path, "revisorhuset")
    settings = base.model_copy(update={
        "broker_url": SecretStr("redis://127.0.0.1:9/0"),
        "einvoice": base.einvoice.model_copy(update={"when": "always", "format": "nonesuch"}),
        "uniconta": base.uniconta.model_copy(update={"gateway_url": "http://127.0.0.1:9"})})
    inputs = read_inputs([ROOT / "samples" / "01-one-line.json"])
    with pytest.raises(InvalidInput) as refused:
        issue_batch(inputs, settings, console=Console(file=io.StringIO()))
    assert [p.field for p in refused.value.problems] == ["einvoice.format"]
