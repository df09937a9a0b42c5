"""Faktura benchmarks — run by hand, not part of the test suite.

    python benchmarks/bench.py                 # the full run: ~6 min on an idle 2-core box
    python benchmarks/bench.py --quick         # small counts, about a minute
    python benchmarks/bench.py --one-page 50 --skip archive

1. Rendering: N one-page and M long (150+ lines) invoices with the project's `Renderer` and, in
   the same run, with a plain `weasyprint.HTML(string=...).write_pdf()` of the same HTML
   (new fonts and stylesheet every time): medians and the ratio.
2. Batch throughput (post → render → archive) with 1 and 2 render worker processes. Posting
   goes to the Uniconta emulator in its own process on 127.0.0.1 without latency
   (`--poster memory`: an in-memory stand-in), so the figure is our pipeline, not Uniconta's
   latency. The first invoice of each run (a new customer, master data) is not counted.
3. Preview latency through the API (in-process ASGI, the full middleware and auth path).
4. Archive lookups with 100,000 entries (tiny PDFs; the filled archive is kept in
   `--archive-dir` and reused by later runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import weasyprint  # noqa: E402
from processes import cpu_seconds, running_emulator  # noqa: E402

from archive import ArchiveEntry, LocalArchive  # noqa: E402
from archive.core import blob_key, sha256_hex  # noqa: E402
from archive.index import _to_row, entries  # noqa: E402
from faktura.computed import ComputedInvoice  # noqa: E402
from faktura.model import Invoice, parse_invoice  # noqa: E402
from sync.posting.answer import Posting  # noqa: E402
from faktura.settings import Settings  # noqa: E402
from infra.settings_files import load_settings  # noqa: E402
from issuing.batch import ProcessRenderer, parse_inputs, run_batch  # noqa: E402
from issuing.bulk import run_bulk_batch  # noqa: E402
from issuing.pipeline import Issuer  # noqa: E402
from issuing.bootstrap import open_issuer  # noqa: E402
from renderer.document import build_view  # noqa: E402
from renderer.render import STYLESHEET, Renderer  # noqa: E402
from renderer.resources import TEMPLATES_DIR  # noqa: E402

SAMPLES = ROOT / "samples"
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def sample_data(name: str, **changes: Any) -> dict[str, Any]:
    data = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    data.update(changes)
    return data


def long_invoice(lines: int = 160) -> dict[str, Any]:
    data = sample_data("03-long-annual.json")
    base = data["lines"]
    data["lines"] = [dict(base[i % len(base)]) for i in range(lines)]
    return data


def settings_in(folder: Path) -> Settings:
    base = load_settings(SAMPLES / "settings.toml")
    return base.model_copy(update={"tenant": "bench", "state_dir": folder / "var",
                                   "archive_dir": folder / "var" / "archive"})


# -- 1. rendering ------------------------------------------------------------------------------


def bench_render(settings: Settings, one_page: int, long: int) -> None:
    renderer = Renderer()
    stylesheet = STYLESHEET.read_text(encoding="utf-8")
    base_url = TEMPLATES_DIR.as_uri() + "/"
    cases = [("one-page", parse_invoice(sample_data("01-one-line.json")).with_number(
        "20260001"), one_page), ("long (160 lines)", parse_invoice(long_invoice())
                                 .with_number("20260002"), long)]
    print("\n1. Rendering (single process, one thread)")
    print(f"   {'invoice':<18}{'n':>5}{'Renderer':>12}{'plain':>12}{'ratio':>8}{'pages':>7}")
    for label, invoice, count in cases:
        if count <= 0:
            continue
        view = build_view(invoice, settings)
        # the plain call gets the same HTML with the stylesheet inlined
        html = renderer.html(view).replace("</head>", f"<style>{stylesheet}</style></head>", 1)
        renderer.pdf(view)  # warm both paths once
        ours, plain, pages = [], [], 0
        for _ in range(count):  # interleaved, so machine load hits both alike
            ours.append(timed(lambda inv=invoice: renderer.render(inv, settings)))
            plain.append(timed(lambda text=html: weasyprint.HTML(
                string=text, base_url=base_url).write_pdf()))
        pages = len(weasyprint.HTML(string=html, base_url=base_url).render().pages)
        ratio = median_ms(plain) / median_ms(ours)
        print(f"   {label:<18}{count:>5}{median_ms(ours):>10.0f}ms{median_ms(plain):>10.0f}ms"
              f"{ratio:>7.2f}x{pages:>7}")


# -- 2. batch throughput -----------------------------------------------------------------------


class MemoryPoster:
    """Numbers in order, idempotent on the source id (stands in for the sync core)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers: dict[str, str] = {}

    def post(self, computed: ComputedInvoice) -> Posting:
        with self._lock:
            number = self._numbers.setdefault(computed.invoice.source_id,
                                              str(20260001 + len(self._numbers)))
        return Posting(invoice_number=number)

    def mark_archived(self, invoice: Invoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        pass


def bench_batch(folder: Path, count: int, worker_counts: list[int], poster: str) -> None:
    print(f"\n2. Batch throughput: {count} one-page invoices (post in chunks → render → archive),"
          f" posting to {'the emulator' if poster == 'emulator' else 'memory'}")
    for workers in worker_counts:
        run_dir = Path(tempfile.mkdtemp(dir=folder))
        settings = settings_in(run_dir)
        first, *rest = parse_inputs([sample_data("01-one-line.json",
                                                  source_id=f"B{workers}-{i}")
                                     for i in range(count + 1)])
        emulator_pid = None
        with ExitStack() as stack:
            start = time.perf_counter()
            pool = stack.enter_context(ProcessRenderer(workers))
            pool.warm_up()
            warm = time.perf_counter() - start
            if poster == "emulator":
                base_url, emulator_pid = stack.enter_context(
                    running_emulator(run_dir / "emulator.sqlite"))
                settings = settings.model_copy(update={"uniconta": settings.uniconta.model_copy(
                    update={"gateway_url": base_url})})
                issuer = stack.enter_context(open_issuer(settings, renderer=pool))
            else:
                archive = stack.enter_context(LocalArchive(settings.archive_dir))
                issuer = Issuer(settings, poster=MemoryPoster(), archive=archive, renderer=pool)
            assert not run_batch(issuer, [first], renderer=pool).failed
            load_before = os.getloadavg()[0]
            emulator_cpu = cpu_seconds(emulator_pid) if emulator_pid else 0.0
            start = time.perf_counter()
            report = run_bulk_batch(issuer, rest, renderer=pool)
            elapsed = time.perf_counter() - start
            if emulator_pid:
                emulator_cpu = cpu_seconds(emulator_pid) - emulator_cpu
        assert not report.failed, report.failed
        shared = (f"; the emulator's own CPU {emulator_cpu / count * 1000:.0f} ms an invoice"
                  if emulator_pid else "")
        print(f"   {workers} worker(s): {count / elapsed:6.2f} invoices/s "
              f"({elapsed:5.1f} s; worker start-up {warm:4.1f} s not included{shared}; load"
              f" {load_before:.2f} → {os.getloadavg()[0]:.2f})")


# -- 3. preview latency ------------------------------------------------------------------------


def bench_preview(folder: Path, count: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import KeyStore
    from api.tenants import TenantRegistry

    settings = settings_in(folder / "preview")
    registry = TenantRegistry.of(settings, key_store_path=folder / "preview-keys.sqlite")
    store = KeyStore(registry.key_store_path)
    key, _ = store.create("bench")
    store.close()

    @contextmanager
    def no_issuer(_settings: Settings, _renderer: Any) -> Iterator[Issuer]:
        raise RuntimeError("a preview never issues")
        yield  # pragma: no cover

    body = json.dumps(sample_data("01-one-line.json")).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    print(f"\n3. Preview latency through the API (in-process ASGI, {count} requests each)")
    with TestClient(create_app(registry, issuer_factory=no_issuer, batch_workers=0)) as client:
        for accept in ("application/pdf", "text/html"):
            hdrs = {**headers, "Accept": accept}
            client.post("/v1/preview", content=body, headers=hdrs)  # warm
            samples = []
            for _ in range(count):
                start = time.perf_counter()
                response = client.post("/v1/preview", content=body, headers=hdrs)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200
            print(f"   {accept:<16} median {median_ms(samples):7.1f} ms   "
                  f"p95 {p95_ms(samples):7.1f} ms")


# -- 4. archive lookups ------------------------------------------------------------------------


def fill_archive(root: Path, total: int) -> None:
    """`total` entries with tiny PDFs, written in bulk (the per-invoice fsync of `put` would
    take an hour for 100,000): files without fsync, index rows in one transaction."""
    archive = LocalArchive(root)
    have = len(archive.list("bench", limit=1, offset=max(0, total - 1)))
    if have:
        archive.close()
        return
    start = time.perf_counter()
    blobs, rows = archive.blobs, []
    first_day = date(2015, 1, 1)
    json_text = '{"bench": true}'
    json_sha = sha256_hex(json_text.encode())
    for i in range(total):
        number = str(10_000_000 + i)
        issued = first_day + timedelta(days=i % 3650)
        pdf = TINY_PDF + number.encode()
        for kind, data in (("pdf", pdf), ("json", json_text.encode())):
            path = blobs.path(blob_key("bench", issued, number, kind))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        entry = ArchiveEntry(
            tenant="bench", invoice_number=number, document_type="invoice",
            issue_date=issued, customer_number=str(1000 + i % 5000),
            customer_name=f"Kunde {i % 5000} ApS", currency_code="DKK",
            total_amount=Decimal(i % 100_000) / 4, layout="clienttime",
            source_id=f"SRC-{i}", pdf_sha256=sha256_hex(pdf), invoice_json_sha256=json_sha,
            archived_at=datetime.now(UTC), pdf_size=len(pdf))
        rows.append(_to_row(entry))
        if len(rows) == 5000:
            with archive.sqlite_index.engine.begin() as conn:
                conn.execute(entries.insert(), rows)
            rows = []
    if rows:
        with archive.sqlite_index.engine.begin() as conn:
            conn.execute(entries.insert(), rows)
    archive.close()
    print(f"   filled {total} entries in {time.perf_counter() - start:.0f} s")


def bench_archive(root: Path, total: int, lookups: int) -> None:
    print(f"\n4. Archive lookups with {total:,} entries ({lookups} random lookups each)")
    fill_archive(root, total)
    rng = random.Random(4)
    picks = [rng.randrange(total) for _ in range(lookups)]
    with LocalArchive(root) as archive:
        checks: list[tuple[str, Callable[[int], Any]]] = [
            ("get(number) → entry", lambda i: archive.get("bench", str(10_000_000 + i))),
            ("pdf(number) → bytes", lambda i: archive.pdf("bench", str(10_000_000 + i))),
            ("find_by_source_id", lambda i: archive.find_by_source_id("bench", f"SRC-{i}")),
            ("list(customer=…)", lambda i: archive.list("bench", customer=str(1000 + i % 5000))),
            ("list(from, to) 1 month", lambda i: archive.list(
                "bench", date_from=date(2015 + i % 10, 3, 1), date_to=date(2015 + i % 10, 3, 31))),
            ("list(q=name), 100 rows", lambda i: archive.list("bench", q=f"kunde {i % 5000} ")),
        ]
        for label, lookup in checks:
            samples = [timed(lambda i=i, f=lookup: f(i)) for i in picks]
            print(f"   {label:<26} median {median_ms(samples):7.2f} ms   "
                  f"p95 {p95_ms(samples):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one-page", type=int, default=200, help="one-page renders (200)")
    parser.add_argument("--long", type=int, default=20, help="long invoice renders (20)")
    parser.add_argument("--batch", type=int, default=24, help="invoices per batch run (24)")
    parser.add_argument("--workers", default="1,2", help="batch worker counts (1,2)")
    parser.add_argument("--poster", choices=("emulator", "memory"), default="emulator",
                        help="where batch invoices are posted (the emulator)")
    parser.add_argument("--preview", type=int, default=30, help="preview requests (30)")
    parser.add_argument("--archive-entries", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--archive-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "faktura-bench-archive")
    parser.add_argument("--skip", default="", help="comma list of: render,batch,preview,archive")
    parser.add_argument("--quick", action="store_true",
                        help="small counts (20/4 renders, batch 8, 10,000 entries): ~1 minute")
    args = parser.parse_args()
    if args.quick:
        args.one_page, args.long, args.batch, args.preview = 20, 4, 8, 10
        args.archive_entries, args.lookups = 10_000, 200
    skip = set(filter(None, args.skip.split(",")))

    print(f"Faktura benchmarks — {platform.python_implementation()} {platform.python_version()},"
          f" WeasyPrint {weasyprint.__version__}, {len(os.sched_getaffinity(0))} cores,"
          f" load average {os.getloadavg()[0]:.1f} at start")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="faktura-bench-") as scratch:
        folder = Path(scratch)
        if "render" not in skip:
            bench_render(settings_in(folder), args.one_page, args.long)
        if "batch" not in skip and args.batch > 0:
            bench_batch(folder, args.batch, [int(w) for w in args.workers.split(",")],
                        args.poster)
        if "preview" not in skip and args.preview > 0:
            bench_preview(folder, args.preview)
    if "archive" not in skip and args.archive_entries > 0:
        bench_archive(args.archive_dir / str(args.archive_entries), args.archive_entries,
                      args.lookups)
    print(f"\ntotal {time.perf_counter() - started:.0f} s, load average"
          f" {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
