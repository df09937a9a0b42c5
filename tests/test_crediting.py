"""Crediting an archived invoice in full in drafts mode, over real HTTP against the Uniconta
emulator: the credit note is left in Uniconta as a draft order crediting every line (nothing
booked), its source kept for the booking's comparison, and a second request is refused while
the draft waits. (Issuing it at once, on the gateway, is `test_pages_desk.py`'s.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_drafts import make_engine, invoice  # noqa: F401 (fixture)

from archive import LocalArchive, NewArchiveItem
from faktura.crediting import credit_note_source_id
from faktura.model import invoice_json
from issuing.batch import IssuingGuard
from issuing.crediting import AlreadyCredited, credit_in_full
from issuing.pipeline import Issuer
from sync.emulator.testing import EmulatorHandle
from sync.posting.bookings import Bookings
from sync.posting.ledger import State


def test_in_drafts_mode_the_credit_note_is_a_draft_in_uniconta(
        emulator: EmulatorHandle, make_engine, tmp_path: Path) -> None:  # noqa: F811
    engine = make_engine()
    issued = invoice().model_copy(update={"invoice_number": "20260042"})
    with LocalArchive(engine.settings.archive_dir) as archive:
        archive.put(NewArchiveItem(
            tenant=engine.tenant, invoice_number="20260042", document_type="invoice",
            issue_date=issued.issue_date, customer_number="1001",
            customer_name="Kunde 1001 ApS", currency_code="DKK",
            total_amount=Decimal("2875.00"), layout="clienttime", pdf=b"%PDF-1.7 x",
            invoice_json=invoice_json(issued)))
        issuer = Issuer(engine.settings, poster=engine, archive=archive)
        guard = IssuingGuard()

        credited = credit_in_full(issuer, guard, "20260042", date(2026, 3, 9))
        assert credited.issued is None and credited.draft_order is not None
        lines = emulator.query("DebtorOrderLine", OrderNumber=str(credited.draft_order))
        assert [(line["Text"], line["Qty"]) for line in lines] == [
            ("Rådgivning", -2), ("Overskrift", 0), ("Uden moms", -1)]  # credited, each line
        record = engine.ledger.get(engine.tenant, credit_note_source_id("20260042"))
        assert record is not None and record.state == State.DRAFTED
        bookings = Bookings(engine.settings.state_dir / "ledger.sqlite")
        try:
            assert bookings.draft_source(engine.tenant, credit_note_source_id("20260042"))
        finally:
            bookings.close()
        assert archive.list(engine.tenant, limit=10)[0].invoice_number == "20260042"

        with pytest.raises(AlreadyCredited) as refused:
            credit_in_full(issuer, guard, "20260042", date(2026, 3, 9))
        assert refused.value.draft_order == credited.draft_order
