"""Each invoice's lines are checked against Uniconta's items once: by the posting engine,
before its first Uniconta call, opening the item catalogue once (not again by issuing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sync_support import SyncStack, invoice, invoices, line

from faktura import checks
from sync.emulator.testing import EmulatorHandle
from sync.posting.catalogue import Catalogue, import_items


def test_an_invoice_s_lines_are_checked_against_the_items_once(
        sync_stack: SyncStack, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    import_items(sync_stack.client, Catalogue.for_settings(sync_stack.settings),
                 sync_stack.settings.tenant)
    checked: list[str] = []
    opened: list[Path] = []
    check_line_vat, open_catalogue = checks.check_line_vat, Catalogue.__init__

    def counting_check(computed: Any, *args: Any, **kwargs: Any) -> None:
        checked.append(computed.invoice.source_id)
        check_line_vat(computed, *args, **kwargs)

    def counting_open(self: Catalogue, path: Path) -> None:
        opened.append(path)
        open_catalogue(self, path)

    monkeypatch.setattr(checks, "check_line_vat", counting_check)
    monkeypatch.setattr(Catalogue, "__init__", counting_open)
    sync_stack.issuer().issue(invoice("ONCE-1", lines=[
        line("Licens", quantity="1", price="1200.00", item_number="2000", unit="stk")]))
    assert checked == ["ONCE-1"] and len(opened) == 1
    assert len(invoices(emulator)) == 1
