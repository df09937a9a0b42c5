"""Write a file so that a reader never sees it half-written.

The file gets the mode any newly created file gets (0666 less the process umask, so 0644
with the usual umask 022): a print server or a colleague can read what Faktura wrote, while
the temporary file it is written through would otherwise be private (0600).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The mode of a newly written file: what `open()` would give it.
FILE_MODE = 0o666 & ~_umask()


def write_bytes_atomically(path: Path, data: bytes, *, mode: int = FILE_MODE) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it (with `mode`)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
