"""Emulator CPU per posted invoice, nearly empty and full — run by hand, not in the test suite.

    python benchmarks/bench_emulator.py                        # window 100, full = 10,000
    python benchmarks/bench_emulator.py --baseline /tmp/main   # also the emulator of that tree

Starts the Uniconta emulator as its own process (real HTTP on 127.0.0.1) and, after 10
invoices are stored and again after `--stored` are, measures two windows: invoices posted
through the sync engine (orders and lines in one call each, one posting per invoice, no
latency), and orders made over REST, booked in the emulator and read back as Faktura reads them
(the orders stay, as in Uniconta). The full store is made by copying the rows of the last
booked invoice (its order and lines, DebtorInvoice, InvTrans, DebtorTrans, DebtorTransOpen,
GLTrans, its PDF) with new numbers straight into the state file while the emulator is stopped,
then moving the invoice series past them. Reports the emulator's own CPU (from /proc) per
invoice in each window and the ratio full ÷ 10 (the goal: ≤ 1.5). With `--baseline TREE` the
emulator of another checkout runs the same steps, interleaved with this one's, so both see the
same machine load; the client is always this tree's.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402

from bench_posting import month_end, settings_for  # noqa: E402
from issuing.bootstrap import open_issuer  # noqa: E402
from sync.emulator import fixtures  # noqa: E402
from sync.uniconta.booked import read_booked  # noqa: E402
from sync.uniconta.rest import RestClient  # noqa: E402
from processes import cpu_seconds, running_emulator  # noqa: E402

#: Entity and the property holding the invoice number, for every row a booking keeps.
KEPT = (("DebtorInvoice", "InvoiceNumber"), ("InvTrans", "InvoiceNumber"),
        ("DebtorTrans", "Invoice"), ("DebtorTransOpen", "Invoice"), ("GLTrans", "Invoice"),
        ("DebtorOrder", "InvoiceNumber"))


def post_window(folder: Path, base_url: str, pid: int, name: str, count: int,
                warm: int) -> float:
    """Post `count` invoices (after `warm` untimed ones); the emulator's CPU ms per invoice."""
    settings = settings_for(base_url, folder)
    with open_issuer(settings) as issuer:
        poster = issuer.poster
        for invoice in month_end(f"{name}-warm", warm):
            poster.post(issuer.refuse_or_compute(invoice))
        batch = [issuer.refuse_or_compute(i) for i in month_end(name, count)]
        before = cpu_seconds(pid)
        outcomes = [*poster.post_many(batch[: count // 2]),  # type: ignore[attr-defined]
                    *poster.post_many(batch[count // 2:])]  # type: ignore[attr-defined]
        spent = cpu_seconds(pid) - before
    failed = [o for o in outcomes if isinstance(o, Exception)]
    if failed:
        raise SystemExit(f"{name}: {len(failed)} invoices failed: {failed[0]}")
    return spent / count * 1000


def book_window(base_url: str, pid: int, count: int, warm: int) -> float:
    """Make `count` orders over REST (an order, then its lines: two calls), book each in the
    emulator and read it back as Faktura does (header by row id, its lines), after `warm`
    untimed ones; the emulator's CPU ms per invoice. The orders stay, as in Uniconta."""
    api = httpx.Client(base_url=f"{base_url}/api/Entities", timeout=60,
                       auth=(f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}", fixtures.PASSWORD))
    reader = RestClient(base_url, fixtures.LOGIN, fixtures.PASSWORD, company=fixtures.COMPANY_ID)
    api.post("/Insert/DebtorClient", json={"Account": "2001", "Name": "Kunde 2001 ApS",
                                           "Group": "1"})  # there already after the first run

    def one(n: int) -> None:
        order = api.post("/Insert/DebtorOrderClient", json={"Account": "2001",
                                                            "YourRef": f"bench {n}"})
        number = order.raise_for_status().json()["OrderNumber"]
        api.post("/InsertList/DebtorOrderLineClient", json=[
            {"OrderNumber": number, "Item": "1000", "Text": "Rådgivning", "Qty": 1.5 + n % 7,
             "Price": 950}, {"OrderNumber": number, "Text": "Kørsel", "Qty": 1, "Price": 240},
        ]).raise_for_status()
        booked = httpx.post(f"{base_url}/_emulator/book/{number}", timeout=60)
        if read_booked(reader, row_id=booked.raise_for_status().json()["RowId"]) is None:
            raise SystemExit(f"order {number}: booked, but not read back")

    for n in range(warm):
        one(n)
    before = cpu_seconds(pid)
    for n in range(count):
        one(n)
    return (cpu_seconds(pid) - before) / count * 1000


def fill(state: Path, stored: int) -> None:
    """Copy the last booked invoice's rows (its order and its lines too) with new numbers until
    `stored` invoices are in the state file."""
    conn = sqlite3.connect(str(state), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    (company, last), = conn.execute(
        "SELECT company_id, MAX(json_extract(data, '$.InvoiceNumber')) FROM rows"
        " WHERE entity = 'DebtorInvoice'").fetchall()
    have = conn.execute("SELECT COUNT(*) FROM rows WHERE entity = 'DebtorInvoice'").fetchone()[0]
    copies = [(entity, prop, [json.loads(d) for (d,) in conn.execute(
        "SELECT data FROM rows WHERE company_id = ? AND entity = ? AND"
        f" json_extract(data, '$.{prop}') = ?", (company, entity, last))])
        for entity, prop in KEPT]
    pdf = conn.execute("SELECT data FROM pdfs WHERE company_id = ? AND invoice_number = ?",
                       (company, last)).fetchone()[0]
    order = copies[-1][2][0]["OrderNumber"]
    copies.append(("DebtorOrderLine", "OrderNumber", [json.loads(d) for (d,) in conn.execute(
        "SELECT data FROM rows WHERE company_id = ? AND entity = 'DebtorOrderLine' AND"
        " json_extract(data, '$.OrderNumber') = ?", (company, order))]))
    number, order = last, max(order, conn.execute(
        "SELECT MAX(value) FROM counters WHERE name = 'OrderNumber'").fetchone()[0] or 0)
    for _ in range(stored - have):
        number, order = number + 1, order + 1
        for entity, _prop, rows in copies:
            conn.executemany("INSERT INTO rows (company_id, entity, key, data) VALUES (?,?,?,?)",
                             [(company, entity, str(order) if entity == "DebtorOrder" else None,
                               json.dumps(renumbered(row, number, order))) for row in rows])
        conn.execute("INSERT INTO pdfs VALUES (?, ?, ?)", (company, number, pdf))
    conn.execute("UPDATE counters SET value = ? WHERE name = 'OrderNumber'", (order,))
    serie = conn.execute("SELECT row_id, data FROM rows WHERE company_id = ? AND"
                         " entity = 'NumberSerie' AND json_extract(data, '$.Next') = ?",
                         (company, last + 1)).fetchone()
    conn.execute("UPDATE rows SET data = ? WHERE row_id = ?",
                 (json.dumps({**json.loads(serie[1]), "Next": number + 1}), serie[0]))
    conn.execute("COMMIT")
    conn.close()


def renumbered(row: dict, invoice: int, order: int) -> dict:
    numbers = {"InvoiceNumber": invoice, "Invoice": invoice, "OrderNumber": order}
    return {**row, **{k: v for k, v in numbers.items() if row.get(k)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=int, default=100, help="invoices measured (100)")
    parser.add_argument("--stored", type=int, default=10_000, help="invoices when full")
    parser.add_argument("--baseline", type=Path, help="another checkout, measured interleaved")
    args = parser.parse_args()
    trees = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    figures: dict[str, dict[str, float]] = {f"{t} {w}": {} for t in trees
                                             for w in ("posting", "booking")}
    with tempfile.TemporaryDirectory() as tmp:
        for phase in ("10", "full"):
            for name, tree in trees.items():
                folder = Path(tmp) / name
                state = folder / "emulator.sqlite"
                if phase == "full":
                    fill(state, args.stored)
                with running_emulator(state, tree=tree) as (base_url, pid):
                    warm = 5 if phase == "10" else 2  # 10 stored: 5 posted, 5 booked
                    got = {"posting": post_window(folder, base_url, pid, f"{name}-{phase}",
                                                  args.window, warm),
                           "booking": book_window(base_url, pid, args.window, warm)}
                for way, ms in got.items():
                    figures[f"{name} {way}"][phase] = ms
                    print(f"{name:8s} {way:7s} at {phase:>4s} stored: {ms:6.1f} ms emulator CPU"
                          f" an invoice (load {' '.join(f'{x:.1f}' for x in os.getloadavg())})",
                          flush=True)
    for name, got in figures.items():
        print(f"{name:16s} full ÷ 10: {got['full'] / got['10']:.2f}"
              f" ({got['10']:.1f} → {got['full']:.1f} ms an invoice)")


if __name__ == "__main__":
    main()
