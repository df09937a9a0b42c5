"""Helpers for the sync-core tests: settings, small invoices, and one tenant's sync stack
(gateway client → ledger → engine → issuer) against a live emulator over real HTTP.

Everything is real except where a test says otherwise: the emulator listens on 127.0.0.1, the
ledger and the archive are SQLite files under the test's tmp_path.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from archive import LocalArchive
from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from issuing.pipeline import Issuer
from renderer.document import InvoiceView
from renderer.render import EmbeddedFile, PdfVariant, Renderer
from sync.emulator.testing import EmulatorHandle
from sync.posting.engine import SyncEngine
from sync.posting.ledger import Ledger
from sync.posting.log import SyncLog
from sync.uniconta.gateway import CallEvent, GatewayClient, RetryPolicy

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
SAMPLE_SETTINGS = SAMPLES / "settings.toml"
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
FAST = RetryPolicy(max_attempts=3, base_delay=0.0, multiplier=1.0, max_delay=0.0, jitter=0.0)
# One TLS context for all test clients: httpx loads the CA bundle (~0.1 s) for every new
# client otherwise, and the crash tests start a new client per simulated process.
_TLS = ssl.create_default_context()
STUB_PDF = b"%PDF-1.4\n% stub rendering for sync tests\n%%EOF\n"


def make_settings(base_url: str | None, tmp: Path, *, integration: dict[str, Any] | None = None,
                  uniconta: dict[str, Any] | None = None, **top: Any) -> Settings:
    """The sample settings, pointed at `base_url` and at folders under `tmp`.

    `integration` / `uniconta` update those (frozen) sections by field name.
    """
    base = load_settings(SAMPLE_SETTINGS)
    changes: dict[str, Any] = {"state_dir": tmp / "state", "archive_dir": tmp / "archive", **top}
    changes["uniconta"] = base.uniconta.model_copy(
        update={"gateway_url": base_url, **(uniconta or {})})
    if integration:
        changes["integration"] = base.integration.model_copy(update=integration)
    return base.model_copy(update=changes)


def customer(number: str = "1001", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source_id": f"C-{number}",
        "customer_number": number,
        "name": f"Kunde {number} ApS",
        "address": {"line1": "Havnegade 4", "post_code": "8000", "city": "Aarhus C",
                    "country_code": "DK"},
        "email": f"bogholderi@kunde{number}.dk",
    }
    data.update(fields)
    return data


def line(text: str = "Rådgivning", quantity: str = "1.5", price: str = "950.00",
         **fields: Any) -> dict[str, Any]:
    return {"item_number": "1000", "text": text, "quantity": quantity, "unit": "timer",
            "unit_price": price, **fields}


def invoice(source_id: str, *, customer_data: dict[str, Any] | None = None,
            lines: list[dict[str, Any]] | None = None, **fields: Any) -> Invoice:
    """A small, valid ClientTime invoice (one line of item 1000 unless given)."""
    data: dict[str, Any] = {
        "source_id": source_id,
        "issue_date": "2026-11-02",
        "customer": customer_data or customer(),
        "lines": lines or [line()],
        **fields,
    }
    return parse_invoice(data, source_id)


class StubRenderer(Renderer):
    """The real view (FIK line included), a tiny PDF: the ClientTime path without the ~1 s
    WeasyPrint rendering. Tests about the PDF itself use the real Renderer."""

    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None,
            attachments: Sequence[EmbeddedFile] = ()) -> bytes:
        return STUB_PDF


@dataclass
class SyncStack:
    """One tenant's sync core against the emulator, as `issuing.bootstrap` wires it, but with a
    zero-delay retry policy and a record of every HTTP attempt (`events`)."""

    emulator: EmulatorHandle
    settings: Settings
    client: GatewayClient
    ledger: Ledger
    log: SyncLog
    engine: SyncEngine
    exit_stack: ExitStack
    events: list[CallEvent] = field(default_factory=list)

    @cached_property
    def archive(self) -> LocalArchive:
        archive = LocalArchive(self.settings.archive_dir)
        self.exit_stack.callback(archive.close)
        return archive

    def issuer(self, renderer: Renderer | None = None) -> Issuer:
        return Issuer(self.settings, poster=self.engine, archive=self.archive,
                      renderer=renderer or StubRenderer())

    def labels(self, since: int = 0) -> list[str]:
        """'METHOD route' of the calls made since event number `since`."""
        return [f"{e.method} {e.route}" for e in self.events[since:]]

    def calls(self) -> int:
        return self.client.stats.total


MakeStack = Callable[..., SyncStack]
"""The `make_stack` fixture: `make_stack(settings=None, *, integration=..., uniconta=...)`."""


def open_stack(stack: ExitStack, emulator: EmulatorHandle, settings: Settings) -> SyncStack:
    events: list[CallEvent] = []
    base_url = settings.uniconta.gateway_url or emulator.base_url
    company: int | str = settings.uniconta.company_id or settings.integration.company
    client = stack.enter_context(GatewayClient(
        base_url, settings.integration.username, settings.integration.password, company,
        retry=FAST, timeout=10.0, posting_timeout=10.0, on_call=events.append,
        transport=httpx.HTTPTransport(verify=_TLS)))
    ledger = Ledger(settings.state_dir / "ledger.sqlite")
    stack.callback(ledger.close)
    log = SyncLog(settings.state_dir / "sync-log.jsonl", settings.tenant)
    engine = SyncEngine(client, ledger, settings, log)
    return SyncStack(emulator, settings, client, ledger, log, engine, stack, events)


# ------------------------------------------------------------------ what Uniconta has


def invoices(emulator: EmulatorHandle, **filters: Any) -> list[dict[str, Any]]:
    return emulator.query("DebtorInvoice", **filters)


def orders(emulator: EmulatorHandle) -> list[dict[str, Any]]:
    return emulator.query("DebtorOrder")


def order_lines(emulator: EmulatorHandle) -> list[dict[str, Any]]:
    return emulator.query("DebtorOrderLine")


def invoices_by_marker(emulator: EmulatorHandle) -> dict[str, list[int]]:
    """Source id (the `Ref: <id>` marker in Remark) → invoice numbers posted for it."""
    out: dict[str, list[int]] = {}
    for row in invoices(emulator):
        remark = str(row.get("Remark") or "")
        marker = remark.splitlines()[-1].removeprefix("Ref: ") if remark else ""
        out.setdefault(marker, []).append(int(row["InvoiceNumber"]))
    return out


def amount(value: Any) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.01"))
