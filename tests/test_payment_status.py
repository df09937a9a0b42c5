"""Payment status follows Uniconta's open items: invoices are booked in the emulator (over
HTTP), paid there fully or in part with `faktura uniconta-emulator pay`, and read back with
both transports (the gateway's Query and the documented REST API's DebtorTransOpenClient)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from delivery_support import settings_file
from test_delivery import faktura, issue, one_line

from issuing.bootstrap import open_archive, open_gateway, open_status_store
from faktura.model import parse_invoice
from infra.settings_files import load_settings
from issuing.status import refresh_statuses
from renderer.render import Renderer
from sync.emulator.testing import EmulatorHandle

ROOT = Path(__file__).resolve().parent.parent


def credit_note_for(number: str, source_id: str):  # type: ignore[no-untyped-def]
    data = json.loads((ROOT / "samples" / "01-one-line.json").read_text(encoding="utf-8"))
    data.update(source_id=source_id, type_code=381, preceding_invoice_reference=number)
    return parse_invoice(data, source_id)


@pytest.mark.parametrize("transport", ["gateway", "rest"])
def test_status_follows_the_emulators_payments(
        emulator: EmulatorHandle, tmp_path: Path, renderer: Renderer, transport: str):
    path = settings_file(tmp_path / "firm", emulator.base_url, 2525)
    paid, partly, credited, untouched = issue(
        path, renderer, *(one_line(f"PAY-{n}") for n in range(4)))
    [credit_note] = issue(path, renderer, credit_note_for(credited, "PAY-CREDIT"))

    done = faktura(path, "uniconta-emulator", "pay", paid)
    assert done.returncode == 0 and f"invoice {paid}: paid 15625.00, settled" in done.stdout
    done = faktura(path, "uniconta-emulator", "pay", partly, "--amount", "1000")
    assert done.returncode == 0 and "14625.00 still open" in done.stdout
    refused = faktura(path, "uniconta-emulator", "pay", paid)  # nothing open any more
    assert refused.returncode == 1 and "has no open item" in refused.stderr

    config = load_settings(path)
    if transport == "rest":  # reading only: drafts mode is what REST requires
        config = config.model_copy(update={"uniconta": config.uniconta.model_copy(
            update={"transport": "rest", "post_as_drafts": True})})
    with open_archive(config) as archive, open_status_store(config) as store, \
            open_gateway(config) as client:
        before_due = {r.invoice_number: r for r in refresh_statuses(
            config, archive, store, client, today=date(2026, 11, 5))}
        assert {number: str(before_due[number].status) for number in
                (paid, partly, credited, untouched, credit_note)} == {
            paid: "paid", partly: "partly_paid", credited: "credited", untouched: "open",
            credit_note: "open"}
        assert before_due[partly].amount_open == Decimal("14625.00")
        assert before_due[untouched].due_date == date(2026, 11, 10)  # as Uniconta booked it
        assert before_due[credit_note].amount_open == Decimal("-15625.00")

        after_due = refresh_statuses(config, archive, store, client, today=date(2026, 12, 1))
        assert {r.invoice_number: str(r.status) for r in after_due}[partly] == "overdue"
        assert str(store.of(config.tenant)[untouched].status) == "overdue"  # kept

    shown = faktura(path, "status")
    assert f"{partly}\t02.11.2026\tBageriet Kornblomsten\t15,625.00 DKK\toverdue\t14,625.00" \
        in shown.stdout
    assert f"{credit_note}\t02.11.2026\tBageriet Kornblomsten\t-15,625.00 DKK\t" in shown.stdout
