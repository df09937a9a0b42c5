"""The outbox: every e-mail of an invoice, its state, and a log of what happened to it.

A SQLite file (`<state_dir>/delivery.sqlite`, the embedded default) or the PostgreSQL
database of `database_url` (tables in `delivery.schema`, migration `delivery_0001`). One row
per (tenant, invoice number, round): round 1 is the invoice's first e-mail, each copy sent
again on purpose is one more round. A send moves through

    queued → sending → handed_over → sent
                  ↘ failed (the reason; retried)      ↘ unconfirmed (outcome unknown)

and each state is written before the next step starts. `sending` means nothing irrevocable
has happened yet: after a crash the message is sent again. `handed_over` is written just
before the message's closing line goes to the server: after a crash the server may have it,
so it is not sent again by itself (it becomes `unconfirmed`; a person may send a copy).
One sender per tenant at a time holds `sender_lock`; a row left `sending` or `handed_over`
while the lock is free belongs to a sender that died.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from delivery.schema import log, open_delivery_database, outbox
from infra.database import Target, exclusive_lock, is_url


class State(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    HANDED_OVER = "handed_over"
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"


#: States a send waits in to be (re)tried.
PENDING = (State.QUEUED, State.FAILED)

@dataclass(frozen=True)
class Send:
    """One e-mail of an invoice, as the outbox holds it."""

    tenant: str
    invoice_number: str
    round: int
    recipient: str | None
    message_id: str
    state: State
    attempts: int
    server_reply: str | None
    error: str | None
    queued_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class LogLine:
    """One event of an invoice's delivery: queued, sending, sent, failed, retried, …"""

    invoice_number: str
    round: int
    at: datetime
    event: str
    detail: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _send(row: object) -> Send:
    data = dict(row._mapping)  # type: ignore[attr-defined]
    data["state"] = State(data["state"])
    data["queued_at"], data["updated_at"] = _aware(data["queued_at"]), _aware(data["updated_at"])
    return Send(**data)


class Outbox:
    """The outbox and delivery log in a SQLite file or a database URL."""

    def __init__(self, target: Target) -> None:
        self.path: Path | None = None if is_url(target) else Path(target)
        self._engine: Engine = open_delivery_database(target)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextlib.contextmanager
    def sender_lock(self, tenant: str) -> Iterator[None]:
        """One sender per tenant at a time, across processes; released when its holder dies."""
        lock_file = self.path.with_suffix(".lock") if self.path is not None else None
        with exclusive_lock(self._engine, f"faktura-delivery:{tenant}", lock_file):
            yield

    # ----------------------------------------------------------------- reading

    def get(self, tenant: str, invoice_number: str, round_: int | None = None) -> Send | None:
        """One send; without `round_`, the invoice's latest."""
        query = select(outbox).where(outbox.c.tenant == tenant,
                                     outbox.c.invoice_number == invoice_number)
        query = (query.where(outbox.c.round == round_) if round_ is not None
                 else query.order_by(outbox.c.round.desc()).limit(1))
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _send(row) if row else None

    def in_states(self, tenant: str, states: tuple[State, ...]) -> list[Send]:
        """The sends in these states, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(outbox).where(
                outbox.c.tenant == tenant, outbox.c.state.in_([str(s) for s in states]),
            ).order_by(outbox.c.queued_at, outbox.c.invoice_number, outbox.c.round)).all()
        return [_send(row) for row in rows]

    def latest(self, tenant: str, invoice_numbers: list[str]) -> dict[str, Send]:
        """Each given invoice's latest send (invoices never queued are absent)."""
        out: dict[str, Send] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(invoice_numbers), 500):
                rows = conn.execute(select(outbox).where(
                    outbox.c.tenant == tenant,
                    outbox.c.invoice_number.in_(invoice_numbers[start:start + 500]),
                ).order_by(outbox.c.round)).all()
                out.update((row.invoice_number, _send(row)) for row in rows)
        return out

    def log_of(self, tenant: str, invoice_number: str) -> list[LogLine]:
        """The invoice's delivery log, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(log).where(
                log.c.tenant == tenant, log.c.invoice_number == invoice_number,
            ).order_by(log.c.id)).all()
        return [LogLine(row.invoice_number, row.round, _aware(row.at), row.event, row.detail)
                for row in rows]

    # ----------------------------------------------------------------- writing

    def queue(self, tenant: str, invoice_number: str, message_id_of: Callable[[int], str], *,
              again: bool = False, detail: str | None = None) -> Send:
        """Queue the invoice's e-mail: its first round, or (`again`) a new round after the
        latest. Queuing a first round that exists already returns that one unchanged."""
        now = _now()
        try:
            with self._engine.begin() as conn:
                latest = conn.execute(select(func.max(outbox.c.round)).where(
                    outbox.c.tenant == tenant,
                    outbox.c.invoice_number == invoice_number)).scalar()
                round_ = latest if latest is not None and not again else (latest or 0) + 1
                if round_ != latest:
                    conn.execute(insert(outbox).values(
                        tenant=tenant, invoice_number=invoice_number, round=round_,
                        message_id=message_id_of(round_), state=State.QUEUED, attempts=0,
                        queued_at=now, updated_at=now))
                    self._log(conn, tenant, invoice_number, round_, "queued", detail)
        except IntegrityError:  # a concurrent queue of the same round won
            pass
        found = self.get(tenant, invoice_number)
        assert found is not None
        return found

    def claim(self, send: Send, recipient: str) -> bool:
        """Move a pending send to `sending` for one more attempt (False: someone else has it,
        or it is no longer pending)."""
        with self._engine.begin() as conn:
            claimed = conn.execute(update(outbox).where(
                *self._key(send), outbox.c.state.in_([str(s) for s in PENDING]),
            ).values(state=State.SENDING, recipient=recipient, attempts=outbox.c.attempts + 1,
                     updated_at=_now())).rowcount == 1
            if claimed:
                event = "retried" if send.attempts else "sending"
                detail = f"attempt {send.attempts + 1} to {recipient}"
                self._log(conn, send.tenant, send.invoice_number, send.round, event, detail)
        return claimed

    def handed_over(self, send: Send) -> None:
        """The point of no return: the message's closing line is about to be written."""
        with self._engine.begin() as conn:
            conn.execute(update(outbox).where(*self._key(send)).values(
                state=State.HANDED_OVER, updated_at=_now()))

    def sent(self, send: Send, server_reply: str) -> None:
        self._finish(send, State.SENT, "sent", server_reply=server_reply, error=None)

    def failed(self, send: Send, reason: str) -> None:
        self._finish(send, State.FAILED, "failed", error=reason)

    def unconfirmed(self, send: Send, reason: str) -> None:
        self._finish(send, State.UNCONFIRMED, "unconfirmed", error=reason)

    def note(self, send: Send, event: str, detail: str) -> None:
        """A log line that changes no state (e-invoice left to Uniconta, …)."""
        with self._engine.begin() as conn:
            self._log(conn, send.tenant, send.invoice_number, send.round, event, detail)

    def recover(self, tenant: str) -> list[Send]:
        """Settle the sends a dead sender left behind (call with `sender_lock` held):
        `sending` goes back to the queue, `handed_over` becomes `unconfirmed`. The sends
        recovered, as they were."""
        left = self.in_states(tenant, (State.SENDING, State.HANDED_OVER))
        for send in left:
            if send.state == State.SENDING:
                self._finish(send, State.QUEUED, "interrupted",
                             error="the sender stopped before handing the message over;"
                                   " it is sent again")
            else:
                self.unconfirmed(send, "the sender stopped after handing the message over and"
                                       " before the server's answer: the server may have it,"
                                       " so it is not sent again by itself")
        return left

    # ----------------------------------------------------------------- internals

    @staticmethod
    def _key(send: Send) -> tuple[object, ...]:
        return (outbox.c.tenant == send.tenant, outbox.c.invoice_number == send.invoice_number,
                outbox.c.round == send.round)

    def _finish(self, send: Send, state: State, event: str, **values: object) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(outbox).where(*self._key(send)).values(
                state=state, updated_at=_now(), **values))
            detail = values.get("server_reply") or values.get("error")
            self._log(conn, send.tenant, send.invoice_number, send.round, event,
                      str(detail) if detail else None)

    @staticmethod
    def _log(conn: object, tenant: str, invoice_number: str, round_: int, event: str,
             detail: str | None) -> None:
        conn.execute(insert(log).values(  # type: ignore[attr-defined]
            tenant=tenant, invoice_number=invoice_number, round=round_, at=_now(),
            event=event, detail=detail))
