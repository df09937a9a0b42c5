"""`LocalBlobStore`: write-once files in a folder.

A blob is written to a temporary file in its target folder, fsynced, made read-only for its
owner alone (0o400; folders 0o700: the archive is private to its user) and then hard-linked
to its name. `os.link` fails if the name exists, so an existing file is never
replaced, and readers see either no file or the complete one. Needs a filesystem with hard
links (any local POSIX filesystem).

A temporary file's name carries its writer's process id. A writer killed mid-write (kill -9,
power loss) leaves one behind; the next store to write into that folder removes the ones whose
process is gone, so a crash leaves no orphan.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from infra.private import made_private_dirs

_SEGMENT_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
READ_ONLY = 0o400
TMP_PREFIX, TMP_SUFFIX = ".tmp-", ".part"


def check_key(key: str) -> str:
    """`key` if it is a valid blob key ('/'-separated safe segments); `ValueError` otherwise."""
    segments = key.split("/")
    if not all(_SEGMENT_RE.fullmatch(s) and s not in (".", "..") for s in segments):
        raise ValueError(f"invalid blob key {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under `root`; key 'a/b/c.pdf' is the file `root/a/b/c.pdf`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._swept: set[Path] = set()

    def path(self, key: str) -> Path:
        """The file for `key`; refuses keys that are absolute, empty or climb out of root."""
        return self.root.joinpath(*check_key(key).split("/"))

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Write `data` under `key` unless it exists; True if this call wrote it."""
        target = self.path(key)
        if target.parent not in self._swept:
            remove_abandoned(target.parent)
            self._swept.add(target.parent)
        if target.exists():
            return False
        _make_dirs(target.parent)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f"{TMP_PREFIX}{os.getpid()}-",
                                        suffix=TMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_name, READ_ONLY)
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                return False  # someone else stored it first; the caller compares contents
            _fsync_dir(target.parent)
            return True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)

    def get(self, key: str) -> bytes:
        """The file's bytes; raises `KeyError` if there is no such file."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self.path(key).is_file()

    def __str__(self) -> str:
        return str(self.root)


def remove_abandoned(folder: Path) -> list[str]:
    """Remove the temporary files in `folder` whose writing process is gone; their names."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(TMP_PREFIX) and entry.name.endswith(TMP_SUFFIX)):
            continue
        pid = entry.name[len(TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and _running(int(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(entry.name)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def _make_dirs(folder: Path) -> None:
    """Create `folder` and missing parents, fsyncing each new directory entry."""
    for new in made_private_dirs(folder):
        _fsync_dir(new.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a directory's entries durable (best effort where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
