"""`Archive`: the append-only invoice archive, composed of a `BlobStore` and an `ArchiveIndex`.

Write order is files first, then the entry's link in the index seal (`archive.seal`), index
row last, so an index row always points at complete files and is sealed. A crash in between
leaves files (and a link) without a row; putting the same item again reuses files with the
same hash and completes the row, while a file with a different hash is a conflict.

An entry has two files, the PDF and the invoice JSON, and a third when the invoice was issued
with an e-invoice: its XML (`xml_sha256`, `xml_format`; entries archived before e-invoices, or
without one, have none). An invoice in Uniconta's own layout issued where that PDF cannot be
read (Uniconta's REST API) has no PDF: `pdf_sha256` None, sealed so, and verify does not look
for one; asking for it raises `NoPdfKept`.

`verify` proves files and index: every file against its recorded hash, every index row
against its stored invoice JSON (number, customer, source id, date, currency, document type)
and against the seal (which also covers the totals and the hashes), and every sealed entry
still has its row. With a seal key the links are proven by their HMAC, and with an anchor
the chain must reach the anchored head (`archive.seal`, `archive.anchor`,
docs/archive-seal.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from archive.anchor import Anchor
from archive.model import ArchiveEntry, NewArchiveItem, check_invoice_number, check_tenant
from archive.seal import Chain, IndexChain, entry_sha256
from archive.seal_key import SealKey, SealKeyError
from archive.store import (
    ArchiveConflict,
    ArchiveDamaged,
    ArchiveIndex,
    BlobStore,
    FileKind,
    InvalidArchiveKey,
    NoEInvoice,
    NoPdfKept,
    NotArchived,
    PutResult,
    VerifyProblem,
    VerifyReport,
)

MAX_LIMIT = 1000


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def blob_key(tenant: str, issue_date: date, invoice_number: str, file: FileKind) -> str:
    """The blob key of one archived file: '<tenant>/<year>/<invoice_number>.<pdf|json|xml>'."""
    return f"{tenant}/{issue_date.year:04d}/{invoice_number}.{file}"


def recorded_sha256(entry: ArchiveEntry, file: FileKind) -> str:
    """The hash recorded at archive time for one of the entry's files."""
    if file == "xml":
        if entry.xml_sha256 is None:
            raise NoEInvoice(entry.tenant, entry.invoice_number)
        return entry.xml_sha256
    if file == "pdf":
        if entry.pdf_sha256 is None:
            raise NoPdfKept(entry.tenant, entry.invoice_number,
                            einvoice=entry.xml_sha256 is not None)
        return entry.pdf_sha256
    return entry.invoice_json_sha256


def files_of(entry: ArchiveEntry) -> tuple[FileKind, ...]:
    """The files an entry has: its PDF (unless Uniconta's was not kept), the invoice JSON,
    and the e-invoice XML when it has one."""
    files: list[FileKind] = ["pdf"] if entry.pdf_sha256 is not None else []
    files.append("json")
    if entry.xml_sha256 is not None:
        files.append("xml")
    return tuple(files)


def _hashes(entry: ArchiveEntry) -> tuple[str | None, str, str | None]:
    return entry.pdf_sha256, entry.invoice_json_sha256, entry.xml_sha256


def _checked_key(tenant: str, invoice_number: str) -> tuple[str, str]:
    try:
        return check_tenant(tenant), check_invoice_number(invoice_number)
    except ValueError as exc:
        raise InvalidArchiveKey(str(exc)) from None


def _checked_tenant(tenant: str) -> str:
    try:
        return check_tenant(tenant)
    except ValueError as exc:
        raise InvalidArchiveKey(str(exc)) from None


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


class Archive:
    """An `ArchiveStore` over any `BlobStore` and `ArchiveIndex`; `seal_key` signs the index
    seal, `anchor` records its head outside the store."""

    def __init__(
        self,
        blobs: BlobStore,
        index: ArchiveIndex,
        *,
        clock: Callable[[], datetime] = utc_now,
        seal_key: SealKey | None = None,
        anchor: Anchor | None = None,
    ) -> None:
        self.blobs = blobs
        self.index = index
        self.chain = IndexChain(blobs, seal_key, anchor)
        self._clock = clock

    def close(self) -> None:
        """Release the index's database connections."""
        close = getattr(self.index, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def put(self, item: NewArchiveItem) -> PutResult:
        """Archive an issued invoice; a no-op for identical content, `ArchiveConflict` otherwise."""
        tenant, number = _checked_key(item.tenant, item.invoice_number)
        json_bytes = item.invoice_json.encode("utf-8")
        pdf_sha = sha256_hex(item.pdf) if item.pdf is not None else None
        json_sha = sha256_hex(json_bytes)
        xml_sha = sha256_hex(item.xml) if item.xml is not None else None
        hashes = (pdf_sha, json_sha, xml_sha)

        existing = self.index.get(tenant, number)
        if existing is not None:
            return _same_or_conflict(existing, hashes)

        if item.pdf is not None and pdf_sha is not None:
            self._store(blob_key(tenant, item.issue_date, number, "pdf"), item.pdf, pdf_sha,
                        item)
        self._store(blob_key(tenant, item.issue_date, number, "json"), json_bytes, json_sha, item)
        if item.xml is not None and xml_sha is not None:
            self._store(blob_key(tenant, item.issue_date, number, "xml"), item.xml, xml_sha, item)
        entry = ArchiveEntry(
            **item.metadata(),
            pdf_sha256=pdf_sha,
            invoice_json_sha256=json_sha,
            archived_at=self._clock(),
            pdf_size=len(item.pdf) if item.pdf is not None else None,
            xml_sha256=xml_sha,
        )
        self.seal_existing(tenant)
        self.chain.append(entry)
        if self.index.insert(entry):
            return PutResult(entry=entry, created=True)
        winner = self.index.get(tenant, number)  # a concurrent put of the same number won
        if winner is None:  # pragma: no cover - insert said the row exists
            raise ArchiveConflict(tenant, number, "index refused the entry")
        return _same_or_conflict(winner, hashes)

    def copy_in(self, entry: ArchiveEntry, pdf: bytes | None, invoice_json: bytes,
                xml: bytes | None = None) -> bool:
        """Add an entry from another archive as it is (hashes and archive time kept); True if
        added, False if already here with the same hashes, `ArchiveConflict` otherwise.
        `pdf` and `xml` are the entry's PDF and e-invoice (each required when it has one)."""
        tenant, number = _checked_key(entry.tenant, entry.invoice_number)
        pdf_sha = sha256_hex(pdf) if pdf is not None else None
        xml_sha = sha256_hex(xml) if xml is not None else None
        if (pdf_sha, sha256_hex(invoice_json), xml_sha) != _hashes(entry):
            raise ArchiveDamaged(f"invoice {number}: the files do not match their recorded hashes")
        existing = self.index.get(tenant, number)
        if existing is not None:
            _same_or_conflict(existing, _hashes(entry))
            return False
        files: list[tuple[FileKind, bytes]] = [("json", invoice_json)]
        if pdf is not None:
            files.append(("pdf", pdf))
        if xml is not None:
            files.append(("xml", xml))
        for file, data in files:
            key = blob_key(tenant, entry.issue_date, number, file)
            self._store_bytes(key, data, recorded_sha256(entry, file), tenant, number)
        if self.index.insert(entry):
            return True
        winner = self.index.get(tenant, number)
        assert winner is not None
        _same_or_conflict(winner, _hashes(entry))
        return False

    def get(self, tenant: str, invoice_number: str) -> ArchiveEntry:
        """The entry for an invoice number; raises `NotArchived`."""
        tenant, number = _checked_key(tenant, invoice_number)
        entry = self.index.get(tenant, number)
        if entry is None:
            raise NotArchived(tenant, number)
        return entry

    def pdf(self, tenant: str, invoice_number: str) -> bytes:
        """The exact PDF bytes as issued (hash-checked before they are returned); `NoPdfKept`
        (a `NotArchived`) for an invoice in Uniconta's layout archived without its PDF."""
        return self._read(self.get(tenant, invoice_number), "pdf")

    def invoice_json(self, tenant: str, invoice_number: str) -> str:
        """The invoice JSON text as archived (hash-checked before it is returned)."""
        return self._read(self.get(tenant, invoice_number), "json").decode("utf-8")

    def xml(self, tenant: str, invoice_number: str) -> bytes:
        """The e-invoice XML as issued (hash-checked); `NoEInvoice` (a `NotArchived`) when the
        invoice was archived without one."""
        return self._read(self.get(tenant, invoice_number), "xml")

    def list(
        self,
        tenant: str,
        *,
        customer: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ArchiveEntry]:
        """A page of entries, newest issue date first; filters combine with AND."""
        tenant = _checked_tenant(tenant)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
        if offset < 0:
            raise ValueError(f"offset must not be negative (got {offset})")
        return self.index.list(
            tenant,
            customer=customer,
            date_from=date_from,
            date_to=date_to,
            q=q,
            limit=limit,
            offset=offset,
        )

    def find_by_source_id(self, tenant: str, source_id: str) -> ArchiveEntry | None:
        """The entry issued for a source-system invoice identity, if any."""
        return self.index.find_by_source_id(_checked_tenant(tenant), source_id)

    def seal_existing(self, tenant: str) -> int:
        """Seal the rows of an archive written before the index seal (none sealed yet);
        how many were sealed. With a key, rows without a seal are taken in by `key_the_seal`
        only (a removed chain must not be made again unasked)."""
        if self.chain.length(tenant) > 0:
            return 0
        if self.chain.key is not None:
            if next(iter(self.index.all(tenant)), None) is not None:
                raise SealKeyError(
                    f"tenant {tenant!r} has invoices archived before the seal had a key: check"
                    " and seal them once with `faktura archive verify --key-the-seal`")
            return 0
        return self._seal_rows(tenant)

    def key_the_seal(self, tenant: str | None = None) -> int:
        """With the key, take in what was sealed without it: seal the rows of a tenant that
        has no seal, or key its unkeyed chain (one link); how many links were written."""
        if self.chain.key is None:
            raise SealKeyError("no seal key given (archive.seal_key_file)")
        tenants = ([_checked_tenant(tenant)] if tenant is not None
                   else sorted({entry.tenant for entry in self.index.all(None)}))
        written = 0
        for name in tenants:
            if self.chain.length(name) == 0:
                written += self._seal_rows(name)
            elif self.chain.key_if_unkeyed(name):
                written += 1
        return written

    def _seal_rows(self, tenant: str) -> int:
        sealed = 0
        for entry in self.index.all(tenant):
            self.chain.append(entry)
            sealed += 1
        return sealed

    def verify(self, tenant: str | None = None) -> VerifyReport:
        """Re-read every archived file and compare it with the hash recorded at archive time;
        check every index row against its invoice JSON and the index seal."""
        anchored = self.chain.anchor.heads() if self.chain.anchor is not None else {}
        if tenant is not None:
            tenants = [_checked_tenant(tenant)]
        else:
            tenants = sorted({entry.tenant for entry in self.index.all(None)} | set(anchored))
        checked = sealed = 0
        problems: list[VerifyProblem] = []
        notes: list[str] = []
        for name in tenants:
            if self.chain.key is None:
                sealed += self.seal_existing(name)
            checked += self._verify_tenant(name, problems, notes)
        return VerifyReport(checked=checked, problems=problems, sealed=sealed, notes=notes)

    def _verify_tenant(self, tenant: str, problems: list[VerifyProblem],
                       notes: list[str]) -> int:
        chain = self.chain.read(tenant)
        if chain.broken:
            problems.append(VerifyProblem(tenant, "-", "index", "broken", chain.broken))
        problems.extend(self._check_key_and_anchor(tenant, chain, notes))
        sealed: dict[str, set[str]] = {}
        for link in chain.links:
            if link.invoice_number:  # not the link that keyed the chain
                sealed.setdefault(link.invoice_number, set()).add(link.entry_sha256)
        checked = 0
        seen: set[str] = set()
        for entry in self.index.all(tenant):
            checked += 1
            seen.add(entry.invoice_number)
            file_problems = [p for p in (self._check_file(entry, f) for f in files_of(entry))
                             if p]
            problems.extend(file_problems)
            if not any(p.file == "json" for p in file_problems):
                problems.extend(self._check_row_against_json(entry))
            digests = sealed.get(entry.invoice_number)
            if digests is None:
                problems.append(VerifyProblem(
                    tenant, entry.invoice_number, "index", "unsealed",
                    "the index row is not in the index seal (added outside the archive)"))
            elif entry_sha256(entry) not in digests:
                problems.append(VerifyProblem(
                    tenant, entry.invoice_number, "index", "altered",
                    "the index row differs from what was archived (a field was edited)"))
        for number in sealed.keys() - seen:
            problems.append(VerifyProblem(
                tenant, number, "index", "deleted",
                "archived and sealed, but its index row is gone"))
        return checked

    def _check_key_and_anchor(self, tenant: str, chain: Chain,
                              notes: list[str]) -> list[VerifyProblem]:
        """What the key and the anchor prove of the chain (problems), and what they cannot
        (notes)."""
        problems: list[VerifyProblem] = []
        if chain.unproven is not None:
            problems.append(VerifyProblem(
                tenant, "-", "index", "unproven",
                f"the seal has a key (id {chain.unproven}): give archive.seal_key_file to"
                " prove it"))
        elif not chain.keyed and self.chain.key is None:
            notes.append(f"{tenant}: the seal has no key: anyone who can write to the archive"
                         " could recompute it (set archive.seal_key_file, see"
                         " docs/archive-seal.md)")
        elif not chain.keyed:
            problems.append(VerifyProblem(
                tenant, "-", "index", "unproven",
                "the seal carries no key's seal though a key was given: it was begun without"
                " a key (check and key it once with `faktura archive verify --key-the-seal`)"
                " or recomputed without the key"))
        elif chain.unkeyed:
            notes.append(f"{tenant}: links 1-{chain.unkeyed} were sealed before the seal had"
                         f" a key; link {chain.unkeyed + 1} keyed them")
        anchor = self.chain.anchor
        if anchor is None:
            if chain.links:
                head = chain.links[-1]
                notes.append(f"{tenant}: head link {head.seq} {head.sha256[:16]} (no anchor:"
                             " set archive.anchor_file to catch the newest entries removed)")
            return problems
        anchored = anchor.heads().get(tenant)
        if anchored is None:
            if chain.links and not chain.broken and not problems:
                anchor.record(tenant, chain.links[-1].seq, chain.links[-1].sha256,
                              chain.links[-1].invoice_number)
                notes.append(f"{tenant}: anchored the head, link {chain.links[-1].seq}")
            return problems
        if not anchor.proves(tenant, anchored):
            problems.append(VerifyProblem(
                tenant, anchored.invoice_number or "-", "index", "broken",
                f"the anchor's record of the head ({anchor}) does not carry the key's seal:"
                " it was edited"))
        elif len(chain.links) < anchored.seq:
            problems.append(VerifyProblem(
                tenant, anchored.invoice_number or "-", "index", "deleted",
                f"the anchor records {anchored.seq} links, the chain has {len(chain.links)}:"
                " the newest entries were removed"))
        elif chain.links[anchored.seq - 1].sha256 != anchored.link_sha256:
            problems.append(VerifyProblem(
                tenant, anchored.invoice_number or "-", "index", "broken",
                f"link {anchored.seq} is not the one anchored: the chain was replaced"))
        else:
            head = chain.links[-1]
            notes.append(f"{tenant}: head link {head.seq} {head.sha256[:16]}, the anchor's"
                         f" link {anchored.seq} found in the chain")
        return problems

    def _check_row_against_json(self, entry: ArchiveEntry) -> list[VerifyProblem]:
        """The row says what the stored invoice JSON says (where the JSON says it)."""
        key = blob_key(entry.tenant, entry.issue_date, entry.invoice_number, "json")
        try:
            data: Any = json.loads(self.blobs.get(key))
        except (KeyError, ValueError):
            return []
        if not isinstance(data, dict):
            return []
        customer = data.get("customer") if isinstance(data.get("customer"), dict) else {}
        stated = {
            "invoice_number": data.get("invoice_number"),
            "customer_number": customer.get("customer_number"),
            "source_id": data.get("source_id"),
            "issue_date": data.get("issue_date"),
            "currency_code": data.get("currency_code"),
        }
        recorded = {
            "invoice_number": entry.invoice_number,
            "customer_number": entry.customer_number,
            "source_id": entry.source_id,
            "issue_date": entry.issue_date.isoformat(),
            "currency_code": entry.currency_code,
        }
        return [VerifyProblem(entry.tenant, entry.invoice_number, "index", "altered",
                              f"{name}: index {recorded[name]!r}, invoice JSON {value!r}")
                for name, value in stated.items()
                if value is not None and str(value) != str(recorded[name])]

    def _store(self, key: str, data: bytes, sha: str, item: NewArchiveItem) -> None:
        self._store_bytes(key, data, sha, item.tenant, item.invoice_number)

    def _store_bytes(self, key: str, data: bytes, sha: str, tenant: str, number: str) -> None:
        """Write a blob once; an existing blob must already hold exactly these bytes."""
        if self.blobs.put_if_absent(key, data):
            return
        try:
            stored_sha = sha256_hex(self.blobs.get(key))
        except KeyError:  # pragma: no cover - vanished between exists and get
            raise ArchiveDamaged(f"{key} disappeared while it was being archived") from None
        if stored_sha != sha:
            raise ArchiveConflict(tenant, number, f"{key} already holds other bytes")

    def read(self, entry: ArchiveEntry, file: FileKind) -> bytes:
        """One archived file of an entry, hash-checked."""
        return self._read(entry, file)

    def _read(self, entry: ArchiveEntry, file: FileKind) -> bytes:
        expected = recorded_sha256(entry, file)
        key = blob_key(entry.tenant, entry.issue_date, entry.invoice_number, file)
        try:
            data = self.blobs.get(key)
        except KeyError:
            raise ArchiveDamaged(
                f"invoice {entry.invoice_number}: archived {file} file {key} is missing"
            ) from None
        if sha256_hex(data) != expected:
            raise ArchiveDamaged(
                f"invoice {entry.invoice_number}: archived {file} file {key} has been altered "
                "(hash differs from the one recorded when it was archived)"
            )
        return data

    def _check_file(self, entry: ArchiveEntry, file: FileKind) -> VerifyProblem | None:
        key = blob_key(entry.tenant, entry.issue_date, entry.invoice_number, file)
        expected = recorded_sha256(entry, file)
        try:
            actual = sha256_hex(self.blobs.get(key))
        except KeyError:
            return VerifyProblem(entry.tenant, entry.invoice_number, file, "missing", key)
        except ArchiveDamaged as damaged:  # the store's own checksum caught it
            return VerifyProblem(entry.tenant, entry.invoice_number, file, "altered",
                                 str(damaged))
        if actual != expected:
            detail = f"{key}: sha256 {actual[:12]}… recorded {expected[:12]}…"
            return VerifyProblem(entry.tenant, entry.invoice_number, file, "altered", detail)
        return None


def _same_or_conflict(existing: ArchiveEntry, hashes: tuple[str | None, str, str | None]
                      ) -> PutResult:
    if _hashes(existing) == hashes:
        return PutResult(entry=existing, created=False)
    differs = [name for name, there, here in zip(("pdf", "invoice json", "e-invoice xml"),
                                                 _hashes(existing), hashes, strict=True)
               if there != here]
    detail = " and ".join(differs) + " differ"
    raise ArchiveConflict(existing.tenant, existing.invoice_number, detail)
