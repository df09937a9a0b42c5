"""The doctor's values: a text in both languages, a rule of the table, what a check found
(✓ ok, ✗ fail, ! warn), and the report of a run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

from faktura.model import Invoice
from faktura.settings import Settings
from sync.uniconta.setup import SetupReader

Status = Literal["ok", "fail", "warn"]
SYMBOL: dict[str, str] = {"ok": "✓", "fail": "✗", "warn": "!"}


@dataclass(frozen=True)
class Text:
    """One text in the guides' two languages."""

    da: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en" else self.da


@dataclass(frozen=True)
class Finding:
    status: Status
    found: Text


def ok(da: str, en: str) -> Finding:
    return Finding("ok", Text(da, en))


def fail(da: str, en: str) -> Finding:
    return Finding("fail", Text(da, en))


def warn(da: str, en: str) -> Finding:
    return Finding("warn", Text(da, en))


@dataclass
class Context:
    """What the checks read: the settings, Uniconta's setup and (optionally) the invoices."""

    settings: Settings
    reader: SetupReader
    source: Sequence[Invoice] | None = None


Check = Callable[[Context], Finding]


@dataclass(frozen=True)
class Rule:
    id: str
    title: Text
    check: Check
    fix: Text
    cheap: bool = False  # no call beyond resolving the company: run before every sync
    blocks_all: bool = False  # a ✗ refuses every invoice: stop a batch at once


@dataclass(frozen=True)
class Result:
    rule: Rule
    finding: Finding

    @property
    def status(self) -> Status:
        return self.finding.status

    def line(self, language: str = "da") -> str:
        """`✗ login — Log ind …: what was found. Fix: …` (the fix only when not ✓)."""
        text = (f"{SYMBOL[self.status]} {self.rule.id} — {self.rule.title(language)}:"
                f" {self.finding.found(language)}")
        if self.status != "ok":
            text += f". {'Fix' if language == 'en' else 'Ret'}: {self.rule.fix(language)}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {"id": self.rule.id, "status": self.status, "symbol": SYMBOL[self.status],
                "title": vars(self.rule.title), "found": vars(self.finding.found),
                "fix": vars(self.rule.fix)}


@dataclass
class Report:
    results: list[Result] = dc_field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No ✗ (warnings allowed)."""
        return all(r.status != "fail" for r in self.results)

    def counts(self) -> dict[str, int]:
        return {status: sum(r.status == status for r in self.results) for status in SYMBOL}

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(),
                "rules": [r.as_json() for r in self.results]}
