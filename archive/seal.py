"""The index seal: a per-tenant hash chain over the archive's entries, kept in the blob store.

Each archived invoice appends one link, `<tenant>/index-chain/<seq>.json`, written once (never
overwritten) before its index row: the invoice number, a SHA-256 of the entry's metadata as
archived (number, customer, totals, source id, dates, file hashes, the e-invoice's included;
everything but the archive time) and the SHA-256 of the previous link. `verify` walks the
chain and proves the index with it: an index row whose fields were edited no longer matches
its link, a deleted row leaves a link without a row, a row that was slipped in has no link,
and a removed or edited link breaks the chain.

An archive written before sealing has rows and no chain: its rows are sealed, in archive
order, the first time the tenant is written to or verified (`seal_existing`), and verify says
so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from archive.model import ArchiveEntry
from archive.store import BlobStore

GENESIS = "0" * 64


def chain_key(tenant: str, seq: int) -> str:
    return f"{tenant}/index-chain/{seq:09d}.json"


#: Fields added after the seal existed: left out of the digest while they are empty, so the
#: links of entries archived before them still match.
LATER_FIELDS = ("xml_sha256", "xml_format")


def entry_sha256(entry: ArchiveEntry) -> str:
    """The SHA-256 of an entry's metadata as archived (canonical JSON, archive time left out;
    the e-invoice's hash and format are in it when the entry has an e-invoice)."""
    fields = entry.model_dump(mode="json", exclude={"archived_at"})
    for name in LATER_FIELDS:
        if fields.get(name) is None:
            fields.pop(name, None)
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    invoice_number: str
    entry_sha256: str
    previous: str
    sha256: str  # of this link's bytes


@dataclass(frozen=True)
class Chain:
    links: list[Link]
    broken: str | None  # why the chain cannot be trusted past its last good link


class IndexChain:
    """The seal of one blob store (all tenants)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._next: dict[str, int] = {}
        self._head: dict[str, str] = {}

    def length(self, tenant: str) -> int:
        """How many links the tenant's chain has (found by probing, no listing needed)."""
        if tenant in self._next:
            return self._next[tenant] - 1
        high = 1
        while self.blobs.exists(chain_key(tenant, high)):
            high *= 2
        low = high // 2  # links 1..low exist (low = 0: none); link `high` does not
        while high - low > 1:
            middle = (low + high) // 2
            if self.blobs.exists(chain_key(tenant, middle)):
                low = middle
            else:
                high = middle
        return low

    def append(self, entry: ArchiveEntry) -> None:
        """Add the entry's link (a concurrent writer that took the slot pushes it on)."""
        tenant = entry.tenant
        seq = self.length(tenant) + 1
        while True:
            previous = self._head.get(tenant) or self._link_sha(tenant, seq - 1)
            data = json.dumps({"seq": seq, "invoice_number": entry.invoice_number,
                               "entry_sha256": entry_sha256(entry), "previous": previous},
                              sort_keys=True).encode("utf-8")
            if self.blobs.put_if_absent(chain_key(tenant, seq), data):
                self._next[tenant] = seq + 1
                self._head[tenant] = hashlib.sha256(data).hexdigest()
                return
            self._head.pop(tenant, None)
            seq += 1

    def _link_sha(self, tenant: str, seq: int) -> str:
        if seq == 0:
            return GENESIS
        return hashlib.sha256(self.blobs.get(chain_key(tenant, seq))).hexdigest()

    def read(self, tenant: str) -> Chain:
        """Every link in order, each checked against its predecessor."""
        links: list[Link] = []
        previous = GENESIS
        seq = 1
        while True:
            try:
                data = self.blobs.get(chain_key(tenant, seq))
            except KeyError:
                if self.blobs.exists(chain_key(tenant, seq + 1)):
                    return Chain(links, f"link {seq} of the index chain is missing")
                return Chain(links, None)
            try:
                body = json.loads(data)
                link = Link(seq, str(body["invoice_number"]), str(body["entry_sha256"]),
                            str(body["previous"]), hashlib.sha256(data).hexdigest())
            except (ValueError, KeyError, TypeError):
                return Chain(links, f"link {seq} of the index chain is unreadable")
            if link.previous != previous or body.get("seq") != seq:
                return Chain(links, f"link {seq} of the index chain does not follow link"
                                    f" {seq - 1}: a link was altered or replaced")
            links.append(link)
            previous = link.sha256
            seq += 1
