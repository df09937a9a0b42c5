"""The delivery outbox and the payment status on PostgreSQL: the schema `faktura db upgrade`
makes, the same states and log as on SQLite, one sender at a time (an advisory lock released
when its holder's connection dies), and a status replaced on each refresh."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

from delivery.outbox import Outbox, State
from delivery.payments import PaymentStatusStore, StatusRecord
from faktura.payment import PaymentStatus
from infra.migrations import current, head, upgrade


def test_outbox_and_status_on_postgresql(pg_url: str) -> None:
    upgrade(pg_url, ["delivery"])
    assert current(pg_url) == {head("delivery")}
    with Outbox(pg_url) as outbox:
        send = outbox.queue("firm", "1001", lambda r: f"<invoice-1001.firm.{r}@x>")
        assert outbox.queue("firm", "1001", lambda r: "other") == send  # queued once
        assert outbox.claim(send, "a@b.dk") and not outbox.claim(send, "a@b.dk")
        outbox.handed_over(send)
        assert [s.state for s in outbox.recover("firm")] == [State.HANDED_OVER]
        again = outbox.queue("firm", "1001", lambda r: f"<r{r}>", again=True)
        assert (again.round, again.message_id, again.state) == (2, "<r2>", State.QUEUED)
        events = [line.event for line in outbox.log_of("firm", "1001")]
        assert events == ["queued", "sending", "unconfirmed", "queued"]

        entered: list[str] = []
        with outbox.sender_lock("firm"):
            other = threading.Thread(target=lambda: _hold(outbox, entered))
            other.start()
            other.join(0.5)
            assert entered == []  # waits for the holder
        other.join(30)
        assert entered == ["second"]

    now = datetime.now(UTC)
    with PaymentStatusStore(pg_url) as store:
        store.save("firm", [StatusRecord("1001", PaymentStatus.OPEN, Decimal("100.00"),
                                         date(2026, 11, 10), now)])
        store.save("firm", [StatusRecord("1001", PaymentStatus.PARTLY_PAID, Decimal("40.00"),
                                         date(2026, 11, 10), now)])
        record = store.of("firm")["1001"]
        assert (record.status, record.amount_open) == (PaymentStatus.PARTLY_PAID,
                                                       Decimal("40.00"))


def _hold(outbox: Outbox, entered: list[str]) -> None:
    with outbox.sender_lock("firm"):
        entered.append("second")
