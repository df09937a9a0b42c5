"""Bad input and refusals: the invoice fails with a reason that says what to fix, the rest of
the batch goes on, nothing is left half-posted, and once fixed it is posted exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sync_support import MakeStack, SyncStack, customer, invoice, invoices_by_marker, line

from faktura.problem_texts import in_language
from faktura.errors import FakturaError, InvalidInput
from faktura.model import Invoice
from sync.emulator.testing import EmulatorHandle


@dataclass(frozen=True)
class Case:
    bad: dict[str, Any]
    reason: str  # "<field>: <problem>", the one shape of every refusal
    fixed: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    fixed_settings: dict[str, Any] = field(default_factory=dict)
    # False: refused by the issuing pipeline before the sync engine is asked (no sync log)
    reaches_sync: bool = True
    refused_value: str | None = None  # never repeated in the reason


PROJECT = {"project": {"number": "P300", "name": "Revision 2026"}}
CASES = {
    "letters in the customer number": Case(
        {"customer_data": customer("10A7")},
        "customer.customer_number: must contain digits only",
        {"customer_data": customer("1007")}, refused_value="10A7"),
    "unknown item": Case(
        {"lines": [line(item_number="4242")]},
        "lines[0].item_number: names an item Uniconta does not have",
        {"lines": [line(item_number="1000")]}, refused_value="4242"),
    "blocked item": Case(
        {"lines": [{"text": "Overskrift"}, line(item_number="9000")]},
        "lines[1].item_number: names an item that is blocked in Uniconta",
        {"lines": [{"text": "Overskrift"}, line(item_number="1000")]}),
    "fractional quantity of a 0-decimal item": Case(
        {"lines": [line("Licens", quantity="1.5", price="1200.00", item_number="2000")]},
        "lines[0].quantity: has more decimals than item 2000 allows in Uniconta (0)",
        {"lines": [line("Licens", quantity="2", price="1200.00", item_number="2000")]},
        refused_value="1.5"),
    "unknown currency": Case(
        {"currency_code": "XYZ", "exchange_rate": "1.25"},
        "currency_code: is not a currency Uniconta knows",
        {"currency_code": "EUR", "exchange_rate": "7.46"}, refused_value="XYZ"),
    "team that is not a dimension value": Case(
        {"team": "Team Z"},
        "team: Uniconta refused it (DimensionDoesNotExist): the team, department or division"
        " is not a value of that dimension in Uniconta",
        {"team": "Team B"}, refused_value="Team Z"),
    "a unit the integration does not know": Case(
        {"lines": [{"text": "Overskrift"}, line("Kørsel", unit="km")]},
        "lines[1].unit: is not a unit the integration knows",
        {"lines": [{"text": "Overskrift"}, line("Kørsel", unit="stk.")]}, reaches_sync=False,
        refused_value="'km'"),
    "a character the invoice cannot print": Case(
        {"lines": [line("Kvittering 🧾")]},
        "lines[0].text: holds a character the invoice cannot print (character 12 of 12)",
        {"lines": [line("Kvittering")]}, reaches_sync=False, refused_value="🧾"),
    "project category missing in Uniconta": Case(
        PROJECT,
        "uniconta.project_category: names a project category Uniconta does not have",
        PROJECT, settings={"project_category": "NOPE"},
        fixed_settings={"project_category": "SALG"}, refused_value="NOPE"),
    "a customer group Uniconta does not have": Case(
        {"customer_data": customer("1003", group="77")},
        "customer.group: names a debtor group Uniconta does not have",
        {"customer_data": customer("1003", group="1")}, refused_value="77"),
    "nothing to book: every quantity 0": Case(
        {"lines": [line(quantity="0"), line("Kørsel", quantity="0")]},
        "lines: no line has a quantity, so there is nothing to book",
        {"lines": [line(quantity="1")]}, reaches_sync=False),
    "a credit note of an invoice never issued": Case(
        {"type_code": 381, "preceding_invoice_reference": "20269999"},
        "preceding_invoice_reference: names no invoice the archive or Uniconta knows",
        {"type_code": 381, "preceding_invoice_reference": "20260001"},
        refused_value="20269999"),
}


def _run(stack: SyncStack, batch: list[Invoice],
         errors: dict[str, FakturaError] | None = None) -> dict[str, str]:
    """Issue a batch like `faktura sync` does: one failure does not stop the rest (the
    errors go into `errors`, by source id)."""
    issuer = stack.issuer()
    outcome: dict[str, str] = {}
    for item in batch:
        try:
            issued = issuer.issue(item)
            outcome[item.source_id] = ("already " if issued.already_issued else "posted ") + (
                issued.invoice_number)
        except FakturaError as error:
            outcome[item.source_id] = f"failed: {error}"
            if errors is not None:
                errors[item.source_id] = error
    return outcome


def _assert_exactly_once(emulator: EmulatorHandle, source_ids: list[str]) -> None:
    posted = invoices_by_marker(emulator)
    assert {source_id: len(posted.get(source_id, [])) for source_id in source_ids} == {
        source_id: 1 for source_id in source_ids}
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_bad_input_fails_alone_and_posts_once_when_fixed(
        make_stack: MakeStack, emulator: EmulatorHandle, case: Case) -> None:
    good = [invoice("OK-1"), invoice("OK-2", customer_data=customer("1002"))]
    stack = make_stack(uniconta=case.settings)
    errors: dict[str, FakturaError] = {}
    first = _run(stack, [good[0], invoice("BAD-1", **case.bad), good[1]], errors)
    assert first["OK-1"].startswith("posted") and first["OK-2"].startswith("posted")
    assert first["BAD-1"].startswith("failed: ")
    assert case.reason in first["BAD-1"]
    if case.refused_value:
        assert case.refused_value not in first["BAD-1"]
    # One shape: field and message; the pages show the message in Danish too.
    refusal = errors["BAD-1"]
    assert isinstance(refusal, InvalidInput)
    assert case.reason.startswith(f"{refusal.problems[0].field}: ")
    assert all(in_language(p.message, "da") != p.message for p in refusal.problems)
    assert set(invoices_by_marker(emulator)) == {"OK-1", "OK-2"}
    assert emulator.query("DebtorOrder") == []
    failed = [e for e in stack.log.entries("BAD-1") if e["step"] == "failed"]
    if case.reaches_sync:
        assert len(failed) == 1 and case.reason in failed[0]["reason"]
    else:
        assert failed == [] and stack.ledger.get("revisorhuset", "BAD-1") is None

    rerun = make_stack(uniconta=case.fixed_settings)
    second = _run(rerun, [good[0], invoice("BAD-1", **case.fixed), good[1]])
    assert second["OK-1"] == "already " + first["OK-1"].removeprefix("posted ")
    assert second["OK-2"] == "already " + first["OK-2"].removeprefix("posted ")
    assert second["BAD-1"].startswith("posted"), second["BAD-1"]
    _assert_exactly_once(emulator, ["OK-1", "BAD-1", "OK-2"])
    assert _run(rerun, [invoice("BAD-1", **case.fixed)])["BAD-1"].startswith("already")


def test_a_customer_number_over_20_characters_is_refused_when_read_and_posts_once_fixed(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    # Uniconta's debtor account holds 20 characters: the invoice is refused as it is read,
    # naming the field, so the sync core is never asked.
    with pytest.raises(InvalidInput) as caught:
        invoice("BAD-1", customer_data=customer("1" * 21))
    assert [p.field for p in caught.value.problems] == ["customer.customer_number"]
    assert "at most 20 characters" in caught.value.problems[0].message
    assert "1" * 21 not in str(caught.value)
    stack = make_stack()
    outcome = _run(stack, [invoice("BAD-1", customer_data=customer("1021"))])
    assert outcome["BAD-1"].startswith("posted")
    assert [d["Account"] for d in emulator.query("Debtor") if len(d["Account"]) > 20] == []
    _assert_exactly_once(emulator, ["BAD-1"])


def test_a_blocked_debtor_fails_alone_and_posts_once_unblocked(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    _run(stack, [invoice("B-0")])
    stack.client.patch("Debtor", {"Account": "1001"}, {"Blocked": True})
    outcome = _run(stack, [invoice("B-1"), invoice("B-2", customer_data=customer("1002"))])
    assert "DebtorIsStopped" in outcome["B-1"] and "blocked" in outcome["B-1"]
    assert outcome["B-2"].startswith("posted")
    assert emulator.query("DebtorOrder") == [] and set(invoices_by_marker(emulator)) == {
        "B-0", "B-2"}
    (record,) = [r for r in stack.ledger.all("revisorhuset") if r.source_id == "B-1"]
    assert record.state.value == "validated" and "DebtorIsStopped" in (record.error or "")

    stack.client.patch("Debtor", {"Account": "1001"}, {"Blocked": False})
    assert _run(make_stack(), [invoice("B-1")])["B-1"].startswith("posted")
    _assert_exactly_once(emulator, ["B-0", "B-1", "B-2"])


# Calls of a first invoice for a new customer: companies, item, debtor query, debtor insert,
# order, lines, post. A call limit of n lets n calls through, then answers SlowDown.
@pytest.mark.parametrize("limit", range(7))
def test_a_throttled_gateway_fails_cleanly_and_posts_once_later(
        make_stack: MakeStack, emulator: EmulatorHandle, limit: int) -> None:
    stack = make_stack()
    emulator.reset_counters()
    emulator.set_faults(call_limit=limit)
    outcome = _run(stack, [invoice("T-1")])
    assert outcome["T-1"].startswith("failed: ") and "SlowDown" in outcome["T-1"]
    assert "call limit" in outcome["T-1"]
    emulator.set_faults(call_limit=None)
    emulator.reset_counters()
    assert invoices_by_marker(emulator) == {}
    # An order the throttle kept us from removing is in the ledger, to be resumed.
    recorded = [r.order_number for r in stack.ledger.all("revisorhuset") if r.order_number]
    assert [o["OrderNumber"] for o in emulator.query("DebtorOrder")] == recorded
    assert _run(stack, [invoice("T-1")])["T-1"].startswith("posted")
    _assert_exactly_once(emulator, ["T-1"])
