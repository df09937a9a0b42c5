"""The invoices the render benchmarks measure: sample 01 and a 200-line invoice, numbered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def sample_data(name: str, **changes: Any) -> dict[str, Any]:
    data = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    data.update(changes)
    return data


def long_invoice_data(lines: int) -> dict[str, Any]:
    """Sample 03's lines repeated to `lines` lines."""
    data = sample_data("03-long-annual.json")
    base = data["lines"]
    data["lines"] = [dict(base[i % len(base)]) for i in range(lines)]
    return data


@dataclass(frozen=True)
class Case:
    name: str
    data: dict[str, Any]
    number: str

    def invoice(self) -> Invoice:
        return parse_invoice(self.data).with_number(self.number)

    def settings(self) -> Settings:
        return load_settings(SAMPLES / "settings.toml")


CASES = [
    Case("one-page", sample_data("01-one-line.json"), "20260001"),
    Case("200-lines", long_invoice_data(200), "20260002"),
]
