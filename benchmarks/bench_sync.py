"""Sync-core benchmark — run by hand, not part of the test suite.

    python benchmarks/bench_sync.py                    # 500 invoices, posting only
    python benchmarks/bench_sync.py --count 100 --issuer          # full Issuer, stub PDF
    python benchmarks/bench_sync.py --count 50 --render           # full Issuer, real PDFs
    python benchmarks/bench_sync.py --latency-ms 30

Generates small invoices for ~20 customers (some with a contact, an internal reference and
a project, so master data is created on first sight) and posts them through the real wiring
(`issuing.bootstrap.open_engine` / `open_issuer`) to the Uniconta emulator started in this process
on 127.0.0.1 (its state in a temporary SQLite file). Reports Uniconta calls per invoice —
mean, and at steady state (customer, contact, project, employee and items already known) —
as counted by the client and by the emulator, and invoices per second.

Posting only (default) is `SyncEngine.post`; `--issuer` runs the whole `Issuer` (post →
ClientTime PDF → archive) with a stub PDF, `--render` with the real WeasyPrint rendering.
The emulator renders its own "Uniconta layout" PDF on every posting, as Uniconta does.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from faktura.model import Invoice, parse_invoice  # noqa: E402
from faktura.settings import Settings  # noqa: E402
from infra.settings_files import load_settings  # noqa: E402
from issuing.bootstrap import open_engine, open_issuer  # noqa: E402
from renderer.document import InvoiceView  # noqa: E402
from renderer.render import EmbeddedFile, PdfVariant, Renderer  # noqa: E402
from sync.emulator.server import running_emulator  # noqa: E402

EMPLOYEES = [{"number": "AH", "name": "Anne Hansen"}, {"number": "JD", "name": "Jens Dahl"},
             {"number": "MK", "name": "Mette Krogh"}]


class StubRenderer(Renderer):
    """The real invoice view (totals, FIK line), a tiny PDF instead of WeasyPrint's."""

    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None,
            attachments: Sequence[EmbeddedFile] = ()) -> bytes:
        return b"%PDF-1.4\n% benchmark stub\n%%EOF\n"


def generate(count: int, customers: int, seed: int) -> list[Invoice]:
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    for n in range(customers):
        number = str(1001 + n)
        people.append({
            "customer": {"source_id": f"C-{number}", "customer_number": number,
                         "name": f"Kunde {number} ApS", "email": f"bogholderi@k{number}.dk",
                         "address": {"line1": f"Havnegade {n + 1}", "post_code": "8000",
                                     "city": "Aarhus C"}},
            "contact": {"first_name": "Kim", "last_name": f"Kunde{number}",
                        "email": f"kim@k{number}.dk"} if n % 2 == 0 else None,
            "project": {"number": f"P{number}", "name": f"Projekt {number}"}
            if n % 3 == 0 else None,
            "internal_reference": EMPLOYEES[n % len(EMPLOYEES)] if n % 4 != 3 else None,
            "team": "Team A" if n % 2 else "Team B",
            "department": "Revision" if n % 5 else "Rådgivning",
        })
    invoices = []
    for i in range(count):
        who = people[rng.randrange(customers)]
        lines: list[dict[str, Any]] = [
            {"item_number": "1000", "text": f"Rådgivning {i}", "unit": "timer",
             "quantity": f"{rng.randint(1, 40) / 4:.2f}", "unit_price": "950.00"}]
        if rng.random() < 0.3:
            lines.append({"item_number": "1010", "text": "Udlæg", "quantity": "1",
                          "unit": "stk.", "unit_price": f"{rng.randint(50, 900)}.00",
                          "vat": False})
        data = {"source_id": f"BENCH-{i:05d}", "issue_date": "2026-11-02", "lines": lines,
                **{k: v for k, v in who.items() if v is not None}}
        invoices.append(parse_invoice(data, data["source_id"]))
    return invoices


def settings_for(base_url: str, tmp: Path) -> Settings:
    base = load_settings(ROOT / "samples" / "settings.toml")
    return base.model_copy(update={
        "state_dir": tmp / "state", "archive_dir": tmp / "archive",
        "uniconta": base.uniconta.model_copy(update={"gateway_url": base_url}),
    })


def _known(invoice: Invoice, seen: set[str]) -> bool:
    """Whether everything the invoice refers to was seen by an earlier invoice."""
    keys = {f"customer:{invoice.customer.customer_number}"}
    if invoice.contact:
        keys.add(f"contact:{invoice.customer.customer_number}")
    if invoice.project:
        keys.add(f"project:{invoice.project.number}")
    if invoice.internal_reference:
        keys.add(f"employee:{invoice.internal_reference.number}")
    keys |= {f"item:{line.item_number}" for line in invoice.lines if line.item_number}
    steady = keys <= seen
    seen |= keys
    return steady


def run(args: argparse.Namespace) -> None:
    invoices = generate(args.count, args.customers, args.seed)
    mode = "Issuer + real PDF" if args.render else "Issuer, stub PDF" if args.issuer \
        else "SyncEngine.post"
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        tmp = Path(folder)
        emulator = stack.enter_context(running_emulator(tmp / "emulator.sqlite"))
        admin = f"{emulator.base_url}/_emulator"
        httpx.post(f"{admin}/faults", json={"latency_ms": args.latency_ms}).raise_for_status()
        settings = settings_for(emulator.base_url, tmp)
        if args.issuer or args.render:
            issuer = stack.enter_context(open_issuer(
                settings, renderer=None if args.render else StubRenderer()))
            engine, work = issuer.poster, issuer.issue
        else:
            engine = stack.enter_context(open_engine(settings))
            work = engine.post
        client = engine.client  # type: ignore[attr-defined]
        httpx.post(f"{admin}/reset-counters").raise_for_status()

        per_invoice: list[int] = []
        steady: list[int] = []
        seen: set[str] = set()
        started = time.perf_counter()
        for invoice in invoices:
            before = client.stats.total
            work(invoice)
            calls = client.stats.total - before
            per_invoice.append(calls)
            if _known(invoice, seen):
                steady.append(calls)
        elapsed = time.perf_counter() - started
        emulator_calls = httpx.get(f"{admin}/stats").json()["calls"]

    print(f"sync benchmark: {len(invoices)} invoices, {args.customers} customers, {mode},"

          f" latency {args.latency_ms} ms/call")
    print(f"  wall time           {elapsed:8.2f} s")
    print(f"  invoices per second {len(invoices) / elapsed:8.1f}")
    print(f"  calls (client)      {sum(per_invoice):8d}   emulator counted {emulator_calls}")
    print(f"  calls per invoice   {statistics.mean(per_invoice):8.2f} mean,"
          f" max {max(per_invoice)}")
    if steady:
        print(f"  steady state        {statistics.mean(steady):8.2f} mean over {len(steady)}"
              f" invoices (min {min(steady)}, max {max(steady)})")
    print(f"  first {min(10, len(per_invoice))} invoices  {per_invoice[:10]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="invoices to post (500)")
    parser.add_argument("--customers", type=int, default=20, help="distinct customers (20)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--issuer", action="store_true",
                        help="run the full Issuer (post → PDF → archive) with a stub PDF")
    parser.add_argument("--render", action=argparse.BooleanOptionalAction, default=False,
                        help="full Issuer with the real ClientTime PDF rendering")
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="latency the emulator adds to every call (network to Uniconta)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
