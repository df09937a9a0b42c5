"""Files and folders the product keeps are private to the user it runs as: files 0600,
folders 0700, whatever the process's umask (the archive's PDFs, XML and index, the posting
ledger, the API keys, the sync log, the emulator's state, the API's batches).

The files it hands out are not kept: a PDF written to `--out`, a print file, an e-invoice
asked for, get the usual mode (`infra.atomic`), to be read by a print server or a colleague.

A database file made by an older version with a wider mode is narrowed when it is opened;
a folder that already exists is left as its owner made it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(folder: Path) -> Path:
    """Create `folder` and any missing parents as 0700 (existing ones are left as they are)."""
    made_private_dirs(folder)
    return Path(folder)


def made_private_dirs(folder: Path) -> list[Path]:
    """Create `folder` and any missing parents as 0700; the folders made, outermost first."""
    missing: list[Path] = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=PRIVATE_DIR)
    return missing[::-1]


def private_file(path: Path) -> Path:
    """Make sure `path` exists as a file only its owner can read and write: created 0600 if
    missing, narrowed to 0600 if it is the process's own file and others may read it."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        narrow(path)
    else:
        os.close(fd)
    return path


def narrow(path: Path) -> None:
    """Take group's and others' access away from the process's own file (others' files, and
    files it cannot change, are left)."""
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_uid == os.geteuid() and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~(stat.S_IRWXG | stat.S_IRWXO))


def open_private(path: Path, flags: int) -> int:
    """`os.open` of a private file (created 0600 in a 0700 folder when missing)."""
    private_dir(path.parent)
    return os.open(path, flags | os.O_CREAT, PRIVATE_FILE)
