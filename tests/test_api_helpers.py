"""Helpers shared by the API and batch tests (no tests here).

`FakePoster` stands in for the sync core where a test is about the API or the batch engine and
not about Uniconta: it hands out numbers in order and is idempotent on the source id, like the
real ledger. Tests that issue for real use `issuing.bootstrap.open_issuer` against the emulator.
"""

from __future__ import annotations

import copy
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from archive import LocalArchive
from faktura.computed import ComputedInvoice
from faktura.model import Invoice
from sync.posting.answer import Posting
from faktura.settings import Settings
from infra.settings_files import load_settings
from issuing.pipeline import Issuer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_SETTINGS = SAMPLES / "settings.toml"


def sample(name: str = "01-one-line.json", **changes: Any) -> dict[str, Any]:
    """A sample invoice as JSON data, with top-level fields replaced."""
    data = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    data.update(copy.deepcopy(changes))
    return data


def tenant_settings(tmp: Path, tenant: str, **changes: Any) -> Settings:
    """The sample settings for `tenant`, with its own state and archive folders under `tmp`."""
    base = load_settings(SAMPLE_SETTINGS)
    update = {"tenant": tenant, "state_dir": tmp / tenant / "var",
              "archive_dir": tmp / tenant / "var" / "archive", **changes}
    return base.model_copy(update=update)


def write_settings_file(path: Path, tenant: str, state_dir: Path,
                        gateway_url: str | None = None) -> Path:
    """A settings TOML like the sample's, for another tenant and state folder."""
    text = SAMPLE_SETTINGS.read_text(encoding="utf-8")
    text = text.replace('tenant = "revisorhuset"', f'tenant = "{tenant}"')
    text = text.replace('state_dir = "../var"', f'state_dir = "{state_dir}"')
    text = text.replace('archive_dir = "../var/archive"', f'archive_dir = "{state_dir}/archive"')
    text = text.replace('logo = "logo.png"', f'logo = "{SAMPLES / "logo.png"}"')
    if gateway_url:
        text = text.replace('# gateway_url = "http://127.0.0.1:8765"',
                            f'gateway_url = "{gateway_url}"')
    path.write_text(text, encoding="utf-8")
    return path


class FakePoster:
    """Numbers in order, the same number again for the same source id; counts its calls."""

    def __init__(self, first: int = 20260001) -> None:
        self._next = first
        self._lock = threading.Lock()
        self.numbers: dict[str, str] = {}
        self.posts = 0
        self.archived: list[str] = []
        self.active = 0
        self.max_active = 0

    def post(self, computed: ComputedInvoice) -> Posting:
        invoice = computed.invoice
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.posts += 1
            number = self.numbers.get(invoice.source_id)
            if number is None:
                number = str(self._next)
                self._next += 1
                self.numbers[invoice.source_id] = number
            self.active -= 1
            return Posting(invoice_number=number)

    def mark_archived(self, invoice: Invoice, invoice_number: str, pdf_sha256: str) -> None:
        with self._lock:
            self.archived.append(invoice_number)


class FakeIssuers:
    """An issuer factory (settings, renderer) → Issuer with a `FakePoster` per tenant."""

    def __init__(self) -> None:
        self.posters: dict[str, FakePoster] = {}
        self.opened = 0

    @contextmanager
    def __call__(self, settings: Settings, renderer: Any = None) -> Iterator[Issuer]:
        self.opened += 1
        poster = self.posters.setdefault(settings.tenant, FakePoster())
        with LocalArchive(settings.archive_dir) as archive:
            yield Issuer(settings, poster=poster, archive=archive, renderer=renderer)


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, page after page."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
