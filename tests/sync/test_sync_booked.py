"""Issuing what Uniconta booked, in process against a live emulator: invoices made in Uniconta
(per setting), invoices this product posted itself, Uniconta down, and the one computed
invoice of a booking refusing figures it would state otherwise."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sync_support import MakeStack, SyncStack, invoice

from faktura.booking import BookedInvoice, BookedLine, BookingNotIssuable, computed_from_booking
from issuing.booked import BookedIssuer, booked_issuer
from sync.emulator.testing import EmulatorHandle
from sync.posting.bookings import BookingState
from sync.uniconta.errors import GatewayError


def _follower(stack: SyncStack) -> BookedIssuer:
    follower = booked_issuer(stack.issuer())
    stack.exit_stack.callback(follower.close)
    return follower


def _book_in_uniconta(emulator: EmulatorHandle, **debtor: Any) -> int:
    emulator.create_debtor("2002", _Name="Møllers Tømrer ApS", _Address1="Skovvej 3",
                           _ZipCode="7100", _City="Vejle", **debtor)
    return _book_order(emulator)


def _book_order(emulator: EmulatorHandle) -> int:
    order = emulator.create_order("2002", lines=[
        {"_Item": "1000", "_Text": "Tømrerarbejde", "_Qty": 3, "_Price": 425}])
    answer = emulator.client.post(f"{emulator.base_url}/_emulator/book/{order}")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["InvoiceNumber"])


def test_an_invoice_made_in_uniconta_is_issued_only_when_the_settings_say_so(
        emulator: EmulatorHandle, make_stack: MakeStack) -> None:
    number = _book_in_uniconta(emulator)
    off = _follower(make_stack())
    (skipped,) = off.follow_once()
    assert (skipped.invoice_number, skipped.outcome) == (str(number), "skipped")
    assert off.follow_once() == []  # the cursor moved past it
    assert off.issuer.archive.list("revisorhuset") == []

    on = _follower(make_stack(uniconta={"issue_uniconta_invoices": True}))
    assert on.issue(number).outcome == "skipped"  # the record stands without a retry
    assert on.issue(number, retry=True).outcome == "issued"
    entry = on.issuer.archive.get("revisorhuset", str(number))
    assert (entry.customer_number, entry.customer_name) == ("2002", "Møllers Tømrer ApS")
    assert entry.total_amount == Decimal("1593.75")  # 3 × 425 + 25 % VAT, as booked
    assert entry.source_id == f"uniconta-{number}"
    assert on.issue(number, retry=True).outcome == "already issued"


def test_invoices_posted_here_are_not_issued_again_by_the_follower(
        sync_stack: SyncStack) -> None:
    issued = sync_stack.issuer().issue(invoice("B-1"))
    follower = _follower(sync_stack)
    (outcome,) = follower.follow_once()
    assert (outcome.invoice_number, outcome.outcome) == (issued.invoice_number, "already issued")
    assert [e.invoice_number for e in follower.issuer.archive.list("revisorhuset")] == [
        issued.invoice_number]


def test_uniconta_down_backs_off_and_keeps_the_cursor(
        emulator: EmulatorHandle, make_stack: MakeStack) -> None:
    number = _book_in_uniconta(emulator)
    follower = _follower(make_stack(uniconta={"issue_uniconta_invoices": True}))
    emulator.client.post(f"{emulator.base_url}/_emulator/reset-counters")
    emulator.set_faults(call_limit=0)  # every call: "SlowDown"
    waits: list[float] = []
    rounds: list[object] = []
    follower.follow(interval=60, stop=lambda: len(rounds) >= 4, on_round=rounds.append,
                    sleep=waits.append)
    assert all(isinstance(r, GatewayError) for r in rounds)
    assert waits == [120, 240, 480]  # twice as long each time
    assert follower.bookings.cursor("revisorhuset") is None

    emulator.set_faults(call_limit=None)
    (outcome,) = follower.follow_once()
    assert (outcome.invoice_number, outcome.outcome) == (str(number), "issued")
    assert follower.bookings.cursor("revisorhuset") == number
    assert [r.state for r in follower.bookings.all("revisorhuset")] == [BookingState.ISSUED]


def test_the_poll_reads_its_round_at_once_and_issues_it_side_by_side(
        emulator: EmulatorHandle, make_stack: MakeStack) -> None:
    numbers = [_book_in_uniconta(emulator)] + [_book_order(emulator) for _ in range(5)]
    stack = make_stack(uniconta={"issue_uniconta_invoices": True})
    follower = booked_issuer(stack.issuer(), parallel=3)
    stack.exit_stack.callback(follower.close)
    emulator.client.post(f"{emulator.base_url}/_emulator/reset-counters")
    outcomes = follower.follow_once()
    assert [(o.invoice_number, o.outcome) for o in outcomes] == [
        (str(n), "issued") for n in numbers]
    # The headers, their lines, the debtor (and the company, once): one at a time, each
    # invoice would cost three calls.
    assert emulator.client.get(f"{emulator.base_url}/_emulator/stats").json()["calls"] < \
        len(numbers)
    assert follower.bookings.cursor("revisorhuset") == max(numbers)
    assert sorted(e.invoice_number for e in follower.issuer.archive.list("revisorhuset")) == \
        sorted(map(str, numbers))
    assert follower.follow_once() == []  # one call: nothing new


def _booking(**changes: Any) -> BookedInvoice:
    data: dict[str, Any] = dict(
        invoice_number="20260007", document_type="Invoice", account="1001",
        issue_date=date(2026, 11, 2), due_date=date(2026, 11, 10), currency="DKK",
        net=Decimal("1425.00"), vat=Decimal("356.25"), total=Decimal("1781.25"),
        lines=(BookedLine("Rådgivning", "1000", Decimal("1.5"), Decimal("950"),
                          net_amount=Decimal("1425.00"), vat_code="U25", unit="Hours"),))
    data.update(changes)
    return BookedInvoice(**data)


def test_the_invoice_of_a_booking_states_what_was_booked(make_stack: MakeStack) -> None:
    settings = make_stack().settings
    computed = computed_from_booking(_booking(), invoice("B-7"), settings)
    assert computed.invoice.invoice_number == "20260007"
    assert computed.due_date == date(2026, 11, 10)
    assert computed.totals.total_with_vat == Decimal("1781.25")
    assert computed.payment is not None and computed.payment.fik is not None
    assert computed.payment.fik.payment_id is not None
    assert computed.payment.fik.payment_id.lstrip("0").startswith("20260007")
    assert computed.invoice.source_id == "B-7"

    credit = computed_from_booking(_booking(
        document_type="Creditnote", net=Decimal("-1425.00"), vat=Decimal("-356.25"),
        total=Decimal("-1781.25"), credited_invoice_number="20260001",
        lines=(BookedLine("Rådgivning", "1000", Decimal("-1.5"), Decimal("950"),
                          net_amount=Decimal("-1425.00"), vat_code="U25"),)), None, settings)
    assert credit.is_credit_note and credit.credited_invoice_number == "20260001"
    assert credit.invoice.lines[0].quantity == Decimal("1.50")
    assert credit.payment is not None and credit.payment.fik is None


@pytest.mark.parametrize("changes, named", [
    ({"vat": Decimal("357.25"), "total": Decimal("1782.25")}, "VAT: computed 356.25, booked"),
    ({"due_date": date(2026, 11, 1)}, "due_date"),
])
def test_a_booking_the_documents_would_state_otherwise_is_refused(
        make_stack: MakeStack, changes: dict[str, Any], named: str) -> None:
    with pytest.raises(BookingNotIssuable) as refused:
        computed_from_booking(_booking(**changes), invoice("B-8"), make_stack().settings)
    assert named in str(refused.value)
    assert "20260007" in str(refused.value)


class _MeetingRenderer:
    """The real renderer, but each render first waits (up to 30 s) for a second one to start:
    renders that run one at a time break the meeting, and their bookings need attention."""

    def __init__(self, renderer: Any) -> None:
        self.renderer = renderer
        self.meeting = threading.Barrier(2, timeout=30)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        self.meeting.wait()
        return self.renderer.render(*args, **kwargs)


def test_two_bookings_render_side_by_side_and_each_number_is_issued_once(
        emulator: EmulatorHandle, make_stack: MakeStack) -> None:
    first = _book_in_uniconta(emulator)
    second = _book_order(emulator)
    follower = _follower(make_stack(uniconta={"issue_uniconta_invoices": True}))
    follower.issuer.renderer = _MeetingRenderer(follower.issuer.renderer)  # type: ignore
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(follower.issue, [first, second]))
    assert [(o.invoice_number, o.outcome, o.reason) for o in outcomes] == [
        (str(first), "issued", None), (str(second), "issued", None)]

    # The same number from two threads at once (a webhook and the poll): issued once.
    third = _book_order(emulator)
    follower.issuer.renderer = follower.issuer.renderer.renderer  # type: ignore
    with ThreadPoolExecutor(2) as pool:
        twice = sorted(o.outcome for o in pool.map(follower.issue, [third, third]))
    assert twice == ["already issued", "issued"]
    record = follower.bookings.get("revisorhuset", str(third))
    assert record is not None and record.attempts == 1
    assert sorted(e.invoice_number for e in follower.issuer.archive.list("revisorhuset")) == \
        sorted(map(str, [first, second, third]))
    assert follower.issuer.archive.verify().ok
