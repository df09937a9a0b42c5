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

A hash chain alone proves nothing against someone who can write to the archive: they can
recompute the links after the one they changed. With a seal key (`archive.seal_key`, kept
outside the archive) each link also carries the key's id and its HMAC over the link, and
verify refuses a link whose HMAC the key does not make; the head is anchored outside the
archive (`archive.anchor`), which shows the newest links removed. A chain begun without a
key is keyed by one link (no invoice, `"kind": "keyed"`), written only when asked
(`faktura archive verify --key-the-seal`, after a clean verify): that link's HMAC covers the
hash of every link before it, so from then on they cannot be recomputed either; verify says
how many links were sealed before it. Never silently: a chain stripped of its HMACs looks
just like one begun without a key, so with a key given, an unkeyed chain is reported and
writing to it is refused until it is keyed. Once a tenant's chain is keyed, writing to it
without the key (or with another key) is refused, and a link without the key's HMAC after a
keyed one is reported as recomputed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from archive.anchor import Anchor
from archive.model import ArchiveEntry
from archive.seal_key import SealKey, SealKeyError
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


KEYED = "keyed"  # the kind of the link that keys a chain begun without a key


@dataclass(frozen=True)
class Link:
    seq: int
    invoice_number: str  # "" for the link that keyed the chain
    entry_sha256: str
    previous: str
    sha256: str  # of this link's bytes
    key_id: str | None = None  # the key whose HMAC the link carries


@dataclass(frozen=True)
class Chain:
    links: list[Link]
    broken: str | None  # why the chain cannot be trusted past its last good link
    unkeyed: int = 0  # links sealed without a key (before the chain was keyed, or all)
    unproven: str | None = None  # the id of the key the links carry, when none was given

    @property
    def keyed(self) -> bool:
        return any(link.key_id for link in self.links)


def _canonical(body: dict[str, object]) -> bytes:
    return json.dumps(body, sort_keys=True).encode("utf-8")


class IndexChain:
    """The seal of one blob store (all tenants); `key` signs and proves its links, `anchor`
    records each tenant's newest link outside the store."""

    def __init__(self, blobs: BlobStore, key: SealKey | None = None,
                 anchor: Anchor | None = None) -> None:
        self.blobs = blobs
        self.key = key
        self.anchor = anchor
        self._next: dict[str, int] = {}
        self._head: dict[str, tuple[str, str | None]] = {}  # tenant: (sha256, key id)
        # A tenant's links are appended one at a time in this process: threads that raced
        # for the same slot would only lose it and read the new head again (a refused write
        # and a read each). Other processes still meet at the slot's write-once condition.
        self._appending: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

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
        self._append(entry.tenant, {"invoice_number": entry.invoice_number,
                                    "entry_sha256": entry_sha256(entry)})

    def key_if_unkeyed(self, tenant: str) -> bool:
        """With a key, add the link that keys a chain begun without one; True if added."""
        if self.key is None or self.length(tenant) == 0:
            return False
        if self._head_state(tenant, self.length(tenant))[1] is not None:
            return False
        self._append(tenant, {"kind": KEYED, "invoice_number": "", "entry_sha256": ""},
                     keying=True)
        return True

    def _append(self, tenant: str, fields: dict[str, object], keying: bool = False) -> None:
        with self._guard:
            appending = self._appending.setdefault(tenant, threading.Lock())
        with appending:
            self._append_link(tenant, fields, keying)

    def _append_link(self, tenant: str, fields: dict[str, object], keying: bool) -> None:
        seq = self.length(tenant) + 1
        while True:
            previous, previous_key = self._head.get(tenant) or self._head_state(tenant, seq - 1)
            self._check_key(previous_key)
            if self.key is not None and previous_key is None and seq > 1 and not keying:
                raise SealKeyError(f"the seal of tenant {tenant!r} was begun without a key (or"
                                   " stripped of it): check and key it once with `faktura"
                                   " archive verify --key-the-seal`")
            body: dict[str, object] = {"seq": seq, **fields, "previous": previous}
            if self.key is not None:
                body["key_id"] = self.key.key_id
                body["mac"] = self.key.mac(_canonical(body))
            data = _canonical(body)
            if self.blobs.put_if_absent(chain_key(tenant, seq), data):
                sha = hashlib.sha256(data).hexdigest()
                self._next[tenant] = seq + 1
                self._head[tenant] = (sha, self.key.key_id if self.key else None)
                if self.anchor is not None:
                    self.anchor.record(tenant, seq, sha, str(fields["invoice_number"]))
                return
            self._head.pop(tenant, None)
            seq += 1

    def _check_key(self, previous_key: str | None) -> None:
        """Refuse to extend a keyed chain without its key."""
        if previous_key is None:
            return
        if self.key is None:
            raise SealKeyError(f"the archive's seal has a key (id {previous_key}); set"
                               " archive.seal_key_file to write to it")
        if self.key.key_id != previous_key:
            raise SealKeyError(f"the archive's seal has another key (id {previous_key}, this"
                               f" one is {self.key.key_id}); a seal's key is never changed")

    def _head_state(self, tenant: str, seq: int) -> tuple[str, str | None]:
        """Link `seq`'s SHA-256 and the id of the key it carries."""
        if seq == 0:
            return GENESIS, None
        data = self.blobs.get(chain_key(tenant, seq))
        try:
            key_id = json.loads(data).get("key_id")
        except (ValueError, AttributeError):
            key_id = None
        return hashlib.sha256(data).hexdigest(), key_id if isinstance(key_id, str) else None

    def read(self, tenant: str) -> Chain:
        """Every link in order, each checked against its predecessor and, with the key,
        against its HMAC."""
        links: list[Link] = []
        previous = GENESIS
        unkeyed = 0
        unproven: str | None = None
        seq = 1

        def chain(broken: str | None) -> Chain:
            return Chain(links, broken, unkeyed, unproven)

        while True:
            try:
                data = self.blobs.get(chain_key(tenant, seq))
            except KeyError:
                if self.blobs.exists(chain_key(tenant, seq + 1)):
                    return chain(f"link {seq} of the index chain is missing")
                return chain(None)
            try:
                body = json.loads(data)
                mac = body.pop("mac", None)
                key_id = body.get("key_id")
                link = Link(seq, str(body["invoice_number"]), str(body["entry_sha256"]),
                            str(body["previous"]), hashlib.sha256(data).hexdigest(),
                            str(key_id) if mac is not None else None)
            except (ValueError, KeyError, TypeError, AttributeError):
                return chain(f"link {seq} of the index chain is unreadable")
            if link.previous != previous or body.get("seq") != seq:
                return chain(f"link {seq} of the index chain does not follow link"
                             f" {seq - 1}: a link was altered or replaced")
            if mac is None:
                if links and links[-1].key_id:
                    return chain(f"link {seq} of the index chain has no key's seal after the"
                                 " chain was keyed: it was recomputed without the key")
                unkeyed += 1
            elif self.key is None:
                unproven = link.key_id
            elif link.key_id != self.key.key_id or not self.key.proves(_canonical(body),
                                                                        str(mac)):
                return chain(f"link {seq} of the index chain does not carry the key's seal:"
                             " it was recomputed without the key (or sealed with another"
                             " key)")
            links.append(link)
            previous = link.sha256
            seq += 1
