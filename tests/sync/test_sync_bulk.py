"""Posting in bulk: a chunk's orders in one call, all their lines in one more, one posting per
invoice — counted from the emulator's own request log over real HTTP — and still exactly
once: under random lost answers, 503s, dropped connections and crashes no invoice is posted
twice or lost and no order is left behind; a record Uniconta refuses fails alone."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from sync_support import (
    MakeStack,
    SyncStack,
    amount,
    customer,
    invoice,
    invoices,
    invoices_by_marker,
    line,
)
from test_sync_exactly_once import FAULTS, Crash, Injector, _new_invoice

from faktura.computed import compute
from faktura.errors import FakturaError
from faktura.model import Invoice
from faktura.money import compute_totals
from sync.posting.answer import Posting
from issuing.batch import BatchInput, Outcome
from issuing.bulk import run_bulk_batch
from sync.emulator.testing import EmulatorHandle
from sync.posting.ledger import State
from sync.uniconta.errors import TransportError

TENANT = "revisorhuset"
PROJECT = {"number": "P100", "name": "Årsrapport 2026"}


def _month_end(count: int, prefix: str = "M") -> list[Invoice]:
    """`count` invoices for six customers, some with a contact, an employee, a project."""
    made = []
    for n in range(count):
        account = str(1001 + n % 6)
        extras: dict[str, Any] = {}
        if n % 6 == 0:
            extras["contact"] = {"first_name": "Kim", "last_name": "Larsen",
                                 "email": "kim@kunde1001.dk"}
        if n % 6 in (1, 2):
            extras["internal_reference"] = {"number": "JD", "name": "Jens Dahl"}
        if n % 6 == 3:
            extras["project"] = PROJECT
        lines = [line(f"Opgave {n}", quantity=str(1 + n % 7), price="850.00")]
        if n % 4 == 0:
            lines.append(line("Udlæg", quantity="1", price="125.00", item_number="1010",
                              vat=False))
        made.append(invoice(f"{prefix}-{n:03d}", customer_data=customer(account),
                            lines=lines, **extras))
    return made


def _inputs(items: list[Invoice]) -> list[BatchInput]:
    return [BatchInput(item.source_id, invoice=item) for item in items]


def _booked_as_computed(stack: SyncStack, emulator: EmulatorHandle,
                        items: list[Invoice]) -> None:
    """Every invoice booked once, with the computed net, VAT and total."""
    by_marker = invoices_by_marker(emulator)
    rows = {int(r["InvoiceNumber"]): r for r in invoices(emulator)}
    for item in items:
        (number,) = by_marker[item.source_id]
        totals = compute(item, stack.settings).totals
        row = rows[number]
        assert (amount(row["NetAmount"]), amount(row["VatAmount"]),
                amount(row["TotalAmount"])) == (
            totals.line_total, totals.vat_amount, totals.total_with_vat), item.source_id


def test_a_month_end_batch_costs_at_most_1_2_calls_per_invoice(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    issuer = stack.issuer()
    for warm in _month_end(6, prefix="WARM"):  # master data and lookups become current
        issuer.issue(warm)
    batch = _month_end(100)
    emulator.reset_counters()

    report = run_bulk_batch(issuer, _inputs(batch), chunk_size=50)

    assert [r.outcome for r in report.results] == [Outcome.ISSUED] * 100, report.failed
    stats = emulator.stats()
    assert stats["total_requests"] / len(batch) <= 1.2, stats["routes"]
    # Two inserts per chunk of 50 (its orders, all their lines), one posting per invoice.
    assert stats["routes"] == {"POST /Companies/{company_id}/Crud/{type_name}": 4,
                               "POST /Companies/{company_id}/Invoice/DebtorOrders/"
                               "{order_number}": 100}, stats["routes"]
    assert stats["postings"]["committed"] == 100
    assert [label for label in stack.labels() if "Crud" in label][-4:] == [
        "POST Crud/DebtorOrder", "POST Crud/DebtorOrderLine"] * 2
    # Numbers follow the input; booked = computed; nothing left over; all archived.
    numbers = [int(r.invoice_number or 0) for r in report.results]
    assert numbers == sorted(numbers) and len(set(numbers)) == 100
    _booked_as_computed(stack, emulator, batch)
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []
    states = Counter(r.state for r in stack.ledger.all(TENANT))
    assert states == {State.ARCHIVED: 106}
    assert len(stack.archive.list(TENANT, limit=1000)) == 106
    # Each invoice's ledger record carries its share of the calls: they add up.
    assert sum(r.calls for r in stack.ledger.all(TENANT)
               if r.source_id.startswith("M-")) == stats["total_requests"]


def test_one_invoice_uniconta_refuses_fails_alone_with_its_field(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    batch = _month_end(6)
    bad = invoice("BAD-1", customer_data=customer("1002"), team="Team Z")
    batch.insert(3, bad)

    report = run_bulk_batch(stack.issuer(), _inputs(batch), chunk_size=50)

    outcome = {r.source_id: r for r in report.results}
    assert outcome["BAD-1"].outcome is Outcome.FAILED
    assert "team: Uniconta refused it (DimensionDoesNotExist): the team, department or" in outcome[
        "BAD-1"].reason
    assert all(outcome[item.source_id].outcome is Outcome.ISSUED
               for item in batch if item is not bad)
    assert set(invoices_by_marker(emulator)) == {i.source_id for i in batch} - {"BAD-1"}
    _booked_as_computed(stack, emulator, [i for i in batch if i is not bad])
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []
    assert {e.entry.source_id for e in report.results if e.entry} == {
        i.source_id for i in batch} - {"BAD-1"}
    record = stack.ledger.get(TENANT, "BAD-1")
    assert record is not None and record.state is State.VALIDATED
    assert "DimensionDoesNotExist" in (record.error or "")

    fixed = invoice("BAD-1", customer_data=customer("1002"), team="Team B")
    again = run_bulk_batch(make_stack().issuer(), _inputs([*batch[:3], fixed]))
    assert [r.outcome for r in again.results] == [Outcome.ALREADY_ISSUED] * 3 + [
        Outcome.ISSUED]
    assert {s: len(n) for s, n in invoices_by_marker(emulator).items()} == {
        i.source_id: 1 for i in batch}
    assert emulator.query("DebtorOrder") == []


@pytest.mark.parametrize("lost", ["DebtorOrder", "DebtorOrderLine"])
def test_a_lost_bulk_answer_neither_duplicates_nor_leaves_orders(
        make_stack: MakeStack, emulator: EmulatorHandle, lost: str) -> None:
    stack = make_stack()
    stack.engine.post_many(_month_end(6, prefix="WARM"))
    batch = _month_end(8)
    original = stack.client.insert

    def insert(type_name: str, rows: Any) -> list[dict[str, Any]]:
        made = original(type_name, rows)
        if type_name == lost and isinstance(rows, list) and len(rows) > 1:
            raise TransportError("connection reset while reading the answer",
                                 operation=f"POST Crud/{type_name}", request_sent=True)
        return made

    stack.client.insert = insert  # type: ignore[method-assign]
    outcomes = stack.engine.post_many(batch)

    assert all(isinstance(o, Posting) for o in outcomes), outcomes
    assert {s: len(n) for s, n in invoices_by_marker(emulator).items()} == {
        i.source_id: 1 for i in [*_month_end(6, prefix="WARM"), *batch]}
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []
    _booked_as_computed(stack, emulator, batch)


def test_a_crash_between_bulk_create_and_posting_is_resumed_once(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    batch = _month_end(5)
    original = stack.client.post_invoice

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash("the process died after the orders and lines were made")

    stack.client.post_invoice = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        stack.engine.post_many(batch)
    stack.client.post_invoice = original  # type: ignore[method-assign]
    assert len(emulator.query("DebtorOrder")) == 5  # made, recorded, not posted

    rerun = make_stack()
    outcomes = rerun.engine.post_many(batch)
    assert all(isinstance(o, Posting) for o in outcomes), outcomes
    assert {s: len(n) for s, n in invoices_by_marker(emulator).items()} == {
        i.source_id: 1 for i in batch}
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []
    _booked_as_computed(rerun, emulator, batch)


def test_the_same_invoice_twice_in_a_chunk_is_posted_once(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    first, second = _month_end(2)
    outcomes = stack.engine.post_many([first, second, first])
    assert all(isinstance(o, Posting) for o in outcomes), outcomes
    assert outcomes[0].invoice_number == outcomes[2].invoice_number  # type: ignore[union-attr]
    assert {s: len(n) for s, n in invoices_by_marker(emulator).items()} == {
        first.source_id: 1, second.source_id: 1}
    assert emulator.query("DebtorOrder") == []


@pytest.mark.parametrize("changes", [
    {"integration": {"use_time_view_invoice": 0}},  # Uniconta's own PDF is archived
    {"uniconta": {"simulate_before_posting": True}},
], ids=["uniconta layout", "simulated first"])
def test_bulk_posting_keeps_the_layout_and_simulation_settings(
        make_stack: MakeStack, emulator: EmulatorHandle, changes: dict[str, Any]) -> None:
    stack = make_stack(**changes)
    batch = _month_end(4)
    report = run_bulk_batch(stack.issuer(), _inputs(batch))
    assert [r.outcome for r in report.results] == [Outcome.ISSUED] * 4, report.failed
    for result in report.results:
        assert result.entry is not None and result.invoice_number is not None
        pdf = stack.archive.pdf(TENANT, result.invoice_number)
        if stack.settings.layout_name == "uniconta":
            served = emulator.client.get(f"{emulator.company_url}/Invoice/DebtorInvoices/"
                                         f"{result.invoice_number}/Pdf")
            assert pdf == served.content  # Uniconta's bytes, untouched
    simulated = emulator.stats()["postings"].get("simulated", 0)
    assert simulated == (4 if stack.settings.uniconta.simulate_before_posting else 0)
    _booked_as_computed(stack, emulator, batch)
    assert emulator.query("DebtorOrder") == []


WANTED_FAULTS = 150


def test_every_invoice_is_posted_exactly_once_in_bulk_under_injected_faults(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    rng = random.Random(20261201)
    injector = Injector(rng, emulator)
    stack = make_stack()
    made: dict[str, Invoice] = {}
    pending: list[str] = []
    posted: list[str] = []
    attempts = 0
    while sum(injector.fired.values()) < WANTED_FAULTS:
        attempts += 1
        assert attempts < 4 * WANTED_FAULTS, injector.fired
        chunk = pending[:rng.randint(0, 4)]
        if posted and rng.random() < 0.3:
            chunk.append(rng.choice(posted))  # a re-run of a posted invoice, under a fault
        for _ in range(rng.randint(0 if chunk else 1, 4)):
            new = _new_invoice(rng, len(made) + 1)
            made[new.source_id] = new
            pending.append(new.source_id)
            chunk.append(new.source_id)
        rng.shuffle(chunk)
        kind = rng.choice(FAULTS)
        injector.arm(kind, stack)
        try:
            outcomes = stack.engine.post_many([made[s] for s in chunk])
        except Crash:
            stack = make_stack()  # the process died: a new one starts from the ledger
            continue
        finally:
            injector.disarm(kind)
        for source_id, outcome in zip(chunk, outcomes, strict=True):
            if isinstance(outcome, FakturaError):
                continue  # failed with a reason; a later attempt resumes it
            assert isinstance(outcome, Posting)
            if source_id in pending:
                pending.remove(source_id)
                posted.append(source_id)

    assert min(injector.fired[kind] for kind in FAULTS) >= 15, injector.fired
    for _ in range(3):  # whatever the faults left pending is posted by plain re-runs
        outcomes = make_stack().engine.post_many([made[s] for s in pending])
        pending = [s for s, o in zip(pending, outcomes, strict=True)
                   if not isinstance(o, Posting)]
    assert pending == []

    by_marker = invoices_by_marker(emulator)
    assert {s: len(n) for s, n in by_marker.items()} == {s: 1 for s in made}
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []
    assert emulator.stats()["postings"]["committed"] == len(made)
    rows = {int(r["InvoiceNumber"]): r for r in emulator.query("DebtorInvoice")}
    for source_id, item in made.items():
        total = compute_totals(item, Decimal(25)).total_with_vat
        assert amount(rows[by_marker[source_id][0]]["TotalAmount"]) == total, source_id
    final = make_stack()
    records = {r.source_id: r for r in final.ledger.all(TENANT)}
    assert {s: (r.state.value, int(r.invoice_number or 0)) for s, r in records.items()} == {
        s: ("posted", by_marker[s][0]) for s in made}
    outcomes = final.engine.post_many(list(made.values()))  # nothing left to do: no calls
    assert [o.invoice_number for o in outcomes if isinstance(o, Posting)] == [
        str(by_marker[s][0]) for s in made]
    assert final.calls() == 0
