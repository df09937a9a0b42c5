"""Copy an archive to another backend (SQLite/folder ↔ PostgreSQL/S3), verified.

Every entry is read from the source with its hashes checked (PDF where it has one, invoice
JSON, and the e-invoice XML where it has one), written to the target as it is
(same hashes, same archive time), and the target is then verified: every entry of the source
must be in the target with the same hashes, and every target file must match its hash.
Copying again is safe: entries already in the target are checked, not rewritten. A target
with a seal key seals what was copied with it (`Archive.key_the_seal`): the copy is the
operator's explicit act, and every file was checked against its hash on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from archive.core import Archive
from archive.store import VerifyProblem


@dataclass
class CopyReport:
    """What a copy did, and what the verification found."""

    copied: int = 0
    already_there: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "<tenant>/<number>" not in the target

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing


def copy_archive(source: Archive, target: Archive,
                 progress: Callable[[int], None] | None = None) -> CopyReport:
    """Copy every entry of `source` into `target`, then verify the target against it."""
    report = CopyReport()
    for entry in source.index.all():
        pdf = source.read(entry, "pdf") if entry.pdf_kept else None
        invoice_json = source.read(entry, "json")
        xml = source.read(entry, "xml") if entry.xml_sha256 is not None else None
        if target.copy_in(entry, pdf, invoice_json, xml):
            report.copied += 1
        else:
            report.already_there += 1
        if progress is not None:
            progress(report.copied + report.already_there)
    for entry in source.index.all():
        there = target.index.get(entry.tenant, entry.invoice_number)
        if there is None or (there.pdf_sha256, there.invoice_json_sha256, there.xml_sha256) != (
                entry.pdf_sha256, entry.invoice_json_sha256, entry.xml_sha256):
            report.missing.append(f"{entry.tenant}/{entry.invoice_number}")
    if target.chain.key is not None:
        target.key_the_seal()
    report.problems = target.verify().problems
    return report

