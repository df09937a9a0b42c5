"""The seal's anchor: the newest link of each tenant's index seal, recorded outside the
archive's storage, so that removing the newest entries (rows, links and files alike, which
leaves a shorter chain that is whole in itself) shows.

The anchor is a small JSON file (`[archive] anchor_file`, mode 0600, best on another disk,
machine or mount than the archive) holding per tenant the newest link's number, its SHA-256
and its invoice number, and, with a seal key, the key's seal of those. It is moved forward
after each link is written (under a lock file beside it, never backward), so it never names
a link that is not there; `verify` then finds the anchored link in the chain, or reports what
was removed or replaced.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from archive.seal_key import SealKey
from archive.store import ArchiveError
from infra.atomic import write_bytes_atomically
from infra.private import PRIVATE_FILE, open_private



@dataclass(frozen=True)
class Head:
    """The newest link of one tenant's chain, as anchored."""

    seq: int
    link_sha256: str
    invoice_number: str
    key_id: str | None
    mac: str | None

    def signed_text(self, tenant: str) -> bytes:
        return f"anchor\n{tenant}\n{self.seq}\n{self.link_sha256}\n{self.invoice_number}".encode()


class Anchor:
    """The anchor file at `path`; `key` signs what is recorded (None: unsigned)."""

    def __init__(self, path: Path, key: SealKey | None = None) -> None:
        self.path = Path(path)
        self.key = key

    def __str__(self) -> str:
        return str(self.path)

    def heads(self) -> dict[str, Head]:
        """Every tenant's anchored head (none when the file does not exist yet)."""
        try:
            data = json.loads(self.path.read_bytes())
            return {tenant: Head(int(head["seq"]), str(head["link"]),
                                 str(head["invoice_number"]), head.get("key_id"),
                                 head.get("mac"))
                    for tenant, head in data["tenants"].items()}
        except FileNotFoundError:
            return {}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ArchiveError(f"the seal's anchor {self.path} is unreadable") from None

    def proves(self, tenant: str, head: Head) -> bool:
        """Whether the head carries this key's seal (always, without a key)."""
        if self.key is None:
            return True
        return head.mac is not None and self.key.proves(head.signed_text(tenant), head.mac)

    def record(self, tenant: str, seq: int, link_sha256: str, invoice_number: str) -> None:
        """Move the tenant's head forward to link `seq` (a later one recorded stays)."""
        with self._locked():
            heads = self.heads()
            if tenant in heads and heads[tenant].seq >= seq:
                return
            head = Head(seq, link_sha256, invoice_number, None, None)
            if self.key is not None:
                head = replace(head, key_id=self.key.key_id,
                               mac=self.key.mac(head.signed_text(tenant)))
            heads[tenant] = head
            data = {"tenants": {name: {"seq": h.seq, "link": h.link_sha256,
                                       "invoice_number": h.invoice_number,
                                       **({"key_id": h.key_id, "mac": h.mac} if h.mac else {})}
                                for name, h in sorted(heads.items())}}
            write_bytes_atomically(self.path, json.dumps(data, indent=1).encode("utf-8"),
                                   mode=PRIVATE_FILE)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = open_private(self.path.with_name(self.path.name + ".lock"), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
