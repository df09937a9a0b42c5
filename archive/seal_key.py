"""The seal's key: a secret kept outside the archive, with which each link of the index seal
is signed (HMAC-SHA256), so that someone who can write to the archive but does not hold the
key cannot recompute a link they changed.

The key is 32 random bytes, kept as 64 hex digits on one line of a file private to its user
(`faktura archive seal-key FILE` makes one, mode 0600), or given as `[archive] seal_key`
(e.g. `FAKTURA_ARCHIVE__SEAL_KEY` from a secret store). A key file that others may read is
refused. Its id (a digest of the key, not the key) is written in each link, so verify can say
which key a link was sealed with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from archive.store import ArchiveError
from infra.private import private_dir
from faktura.settings import Settings

KEY_BYTES = 32


class SealKeyError(ArchiveError):
    """The seal's key cannot be made, read or used."""


@dataclass(frozen=True)
class SealKey:
    """The secret the index seal's links are signed with."""

    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        """Which key this is (16 hex digits; reveals nothing of the key)."""
        return hmac.new(self.secret, b"faktura archive seal key id", hashlib.sha256
                        ).hexdigest()[:16]

    def mac(self, data: bytes) -> str:
        """The key's seal of `data` (hex HMAC-SHA256)."""
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()

    def proves(self, data: bytes, mac: str) -> bool:
        """Whether `mac` is this key's seal of `data`."""
        return hmac.compare_digest(self.mac(data), mac)

    @classmethod
    def from_hex(cls, text: str, source: str) -> SealKey:
        try:
            secret = bytes.fromhex(text.strip())
        except ValueError:
            raise SealKeyError(f"{source}: not a seal key (64 hex digits)") from None
        if len(secret) != KEY_BYTES:
            raise SealKeyError(f"{source}: not a seal key (64 hex digits)")
        return cls(secret)


def create_key_file(path: Path) -> SealKey:
    """A new random key, written to `path` (mode 0600; its folder made 0700 if missing);
    an existing file is never replaced."""
    key = SealKey(secrets.token_bytes(KEY_BYTES))
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SealKeyError(f"{path} already exists; a seal key is never replaced") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(key.secret.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def load_key_file(path: Path) -> SealKey:
    """The key in `path`; refused when others than its owner may read it."""
    source = f"seal_key_file {path}"
    try:
        with open(path, encoding="ascii") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            text = handle.read(200)
    except FileNotFoundError:
        raise SealKeyError(f"{source}: not found (make one with `faktura archive seal-key"
                           f" {path}`)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SealKeyError(f"{source}: cannot be read ({type(error).__name__})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SealKeyError(f"{source}: others may read it (mode {stat.S_IMODE(mode):04o});"
                           f" chmod 600 {path}")
    return SealKey.from_hex(text, source)


def seal_key(settings: Settings) -> SealKey | None:
    """The key the settings give (`[archive] seal_key`, else `seal_key_file`), or None."""
    chosen = settings.archive
    if chosen.seal_key is not None:
        return SealKey.from_hex(chosen.seal_key.get_secret_value(), "archive.seal_key")
    if chosen.seal_key_file is None:
        return None
    key_file = chosen.seal_key_file.resolve()
    if key_file.is_relative_to(settings.archive_dir.resolve()):
        raise SealKeyError("archive.seal_key_file: the key must not be kept in the archive"
                           " folder (whoever can write the archive would hold it)")
    return load_key_file(key_file)
