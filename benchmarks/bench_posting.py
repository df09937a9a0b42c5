"""Posting benchmark, bulk against one invoice at a time — run by hand, not in the test suite.

    python benchmarks/bench_posting.py                     # 100 invoices, 100 ms, 2 rounds
    python benchmarks/bench_posting.py --rounds 3 --chunk-size 50
    python benchmarks/bench_posting.py --render            # real PDFs in worker processes
    python benchmarks/bench_posting.py --posting-only      # the sync core alone

Starts the Uniconta emulator as its own process (`uniconta-emulator --latency-ms N`, real
HTTP on 127.0.0.1) and issues a month-end batch of one tenant end to end — compute, post,
render, archive — once with `issuing.bulk.run_bulk_batch` (a chunk's orders and lines in one
call each, then one posting per invoice) and once with `issuing.batch.run_batch` (three
calls per invoice), interleaved A/B in each round so both see the same machine load. Each
run is a fresh ledger and archive whose master data was made current first (not timed), so
the figures are steady state. Reports invoices per second and Uniconta calls per invoice as
the emulator counted them, and the bulk/single ratio per round.

By default the PDF is a stub (the real invoice view with its FIK line, a tiny PDF) so the
figures show posting; `--render` renders with WeasyPrint in `ProcessRenderer` workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402

from faktura.model import Invoice, parse_invoice  # noqa: E402
from faktura.settings import Settings  # noqa: E402
from infra.settings_files import load_settings  # noqa: E402
from issuing.batch import BatchInput, ProcessRenderer, run_batch  # noqa: E402
from issuing.bulk import DEFAULT_CHUNK_SIZE, run_bulk_batch  # noqa: E402
from issuing.pipeline import Issuer  # noqa: E402
from issuing.bootstrap import open_issuer  # noqa: E402
from renderer.document import InvoiceView  # noqa: E402
from renderer.render import PdfVariant, Renderer  # noqa: E402
from processes import running_emulator  # noqa: E402

CUSTOMERS = 12
EMPLOYEES = [{"number": "AH", "name": "Anne Hansen"}, {"number": "JD", "name": "Jens Dahl"}]


class StubRenderer(Renderer):
    """The real invoice view (totals, FIK line), a tiny PDF instead of WeasyPrint's."""

    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None) -> bytes:
        return b"%PDF-1.4\n% benchmark stub\n%%EOF\n"


def month_end(prefix: str, count: int) -> list[Invoice]:
    """`count` invoices over `CUSTOMERS` customers; some with a contact, an employee, a
    project, and a VAT-free outlay line."""
    invoices = []
    for i in range(count):
        n = i % CUSTOMERS
        number = str(1001 + n)
        data: dict[str, Any] = {
            "source_id": f"{prefix}-{i:04d}", "issue_date": "2026-11-30",
            "customer": {"source_id": f"C-{number}", "customer_number": number,
                         "name": f"Kunde {number} ApS", "email": f"bogholderi@k{number}.dk",
                         "address": {"line1": f"Havnegade {n + 1}", "post_code": "8000",
                                     "city": "Aarhus C"}},
            "lines": [{"item_number": "1000", "text": f"Rådgivning november {i}",
                       "unit": "timer", "quantity": f"{1 + i % 29 / 4:.2f}",
                       "unit_price": "950.00"}],
            "team": "Team A" if n % 2 else "Team B",
        }
        if n % 3 == 0:
            data["contact"] = {"first_name": "Kim", "last_name": f"Kunde{number}",
                               "email": f"kim@k{number}.dk"}
        if n % 4 != 3:
            data["internal_reference"] = EMPLOYEES[n % 2]
        if n % 5 == 0:
            data["project"] = {"number": f"P{number}", "name": f"Projekt {number}"}
        if i % 3 == 0:
            data["lines"].append({"item_number": "1010", "text": "Udlæg", "quantity": "1",
                                  "unit": "stk.", "unit_price": "240.00", "vat": False})
        invoices.append(parse_invoice(data, data["source_id"]))
    return invoices


def settings_for(base_url: str, folder: Path) -> Settings:
    base = load_settings(ROOT / "samples" / "settings.toml")
    return base.model_copy(update={
        "state_dir": folder / "state", "archive_dir": folder / "archive",
        "uniconta": base.uniconta.model_copy(update={"gateway_url": base_url}),
    })


Runner = Callable[[Issuer, list[BatchInput]], Any]


def one_run(name: str, run: Runner, base_url: str, folder: Path, args: argparse.Namespace,
            renderer: Any) -> dict[str, float]:
    """Warm a fresh tenant state (untimed, no latency), then time the batch."""
    admin = f"{base_url}/_emulator"
    settings = settings_for(base_url, folder / name)
    batch = month_end(name, args.count)
    with open_issuer(settings, renderer=renderer) as issuer:
        httpx.post(f"{admin}/faults", json={"latency_ms": 0}).raise_for_status()
        for invoice in month_end(f"{name}-warm", CUSTOMERS):
            issuer.issue(invoice)
        httpx.post(f"{admin}/faults", json={"latency_ms": args.latency_ms}).raise_for_status()
        httpx.post(f"{admin}/reset-counters").raise_for_status()
        inputs = [BatchInput(invoice.source_id, invoice=invoice) for invoice in batch]
        started = time.perf_counter()
        if args.posting_only:
            outcomes = run(issuer, batch)
            failed = sum(isinstance(o, Exception) for o in outcomes)
        else:
            failed = len(run(issuer, inputs).failed)
        elapsed = time.perf_counter() - started
        calls = httpx.get(f"{admin}/stats").json()["total_requests"]
    if failed:
        raise SystemExit(f"{name}: {failed} invoices failed")
    return {"per_s": args.count / elapsed, "calls": calls / args.count, "s": elapsed}


def runners(args: argparse.Namespace, renderer: Any) -> dict[str, Runner]:
    if args.posting_only:
        def bulk_posting(issuer: Issuer, batch: list[Invoice]) -> list[Any]:
            outcomes: list[Any] = []
            for start in range(0, len(batch), args.chunk_size):
                outcomes += issuer.poster.post_many(  # type: ignore[attr-defined]
                    [issuer.refuse_or_compute(i) for i in batch[start:start + args.chunk_size]])
            return outcomes

        def single_posting(issuer: Issuer, batch: list[Invoice]) -> list[Any]:
            return [issuer.poster.post(issuer.refuse_or_compute(i)) for i in batch]

        return {"bulk": bulk_posting, "single": single_posting}
    pool = renderer if isinstance(renderer, ProcessRenderer) else None
    return {
        "bulk": lambda issuer, inputs: run_bulk_batch(
            issuer, inputs, chunk_size=args.chunk_size, renderer=pool),
        "single": lambda issuer, inputs: run_batch(issuer, inputs, renderer=pool),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="invoices per run (100)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds (2)")
    parser.add_argument("--latency-ms", type=int, default=100,
                        help="latency the emulator adds to every call (100)")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument("--render", action="store_true",
                        help="real ClientTime PDFs, rendered in worker processes")
    parser.add_argument("--posting-only", action="store_true",
                        help="compute and post only (no PDF, no archive)")
    args = parser.parse_args()
    load = os.getloadavg()
    results: dict[str, list[dict[str, float]]] = {"bulk": [], "single": []}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        base_url, _ = stack.enter_context(running_emulator(folder / "emulator.sqlite", latency_ms=args.latency_ms))
        renderer = stack.enter_context(ProcessRenderer()) if args.render else StubRenderer()
        if args.render:
            renderer.warm_up()
        plan = runners(args, renderer)
        for round_ in range(args.rounds):
            order = ["bulk", "single"] if round_ % 2 == 0 else ["single", "bulk"]
            for name in order:
                figures = one_run(f"R{round_}{name}", plan[name], base_url, folder, args,
                                  renderer)
                results[name].append(figures)
                print(f"round {round_ + 1} {name:6s} {figures['per_s']:6.2f} invoices/s"
                      f"  {figures['calls']:5.2f} calls/invoice  {figures['s']:6.1f} s",
                      flush=True)
    mode = ("posting only" if args.posting_only else
            "end to end, real PDFs" if args.render else "end to end, stub PDF")
    print(f"\n{args.count} invoices, one tenant, {mode}, emulator latency"
          f" {args.latency_ms} ms/call, chunks of {args.chunk_size};"
          f" load before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name in ("bulk", "single"):
        rates = [r["per_s"] for r in results[name]]
        calls = [r["calls"] for r in results[name]]
        print(f"  {name:6s} {statistics.median(rates):6.2f} invoices/s (median of"
              f" {len(rates)}), {statistics.mean(calls):5.2f} calls/invoice")
    ratios = [b["per_s"] / s["per_s"] for b, s in zip(results["bulk"], results["single"],
                                                       strict=True)]
    print(f"  bulk/single throughput per round: {', '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
