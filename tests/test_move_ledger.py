"""Moving to other databases without booking anything twice: `faktura db move-ledger` copies
what the posting ledger knows, so the new setup recognises the invoices Uniconta already has."""

from __future__ import annotations

import shutil
from pathlib import Path

from people_support import SAMPLES, faktura
from sync.emulator.testing import EmulatorHandle

INVOICE = SAMPLES / "01-one-line.json"


def _settings(folder: Path, gateway_url: str) -> Path:
    """The samples' settings with their own state and archive in `folder`, on one Uniconta."""
    folder.mkdir()
    shutil.copy(SAMPLES / "logo.png", folder / "logo.png")
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "../var"', 'state_dir = "var"')
    text = text.replace('archive_dir = "../var/archive"', 'archive_dir = "var/archive"')
    text = text.replace("[uniconta]\n", f'[uniconta]\ngateway_url = "{gateway_url}"\n', 1)
    (folder / "faktura.toml").write_text(text, encoding="utf-8")
    return folder / "faktura.toml"


def _booked(emulator: EmulatorHandle) -> int:
    return len(emulator.query("DebtorInvoice"))


def test_a_moved_ledger_books_nothing_twice(emulator: EmulatorHandle, tmp_path: Path) -> None:
    old = _settings(tmp_path / "old", emulator.base_url)
    new = _settings(tmp_path / "new", emulator.base_url)
    issued = faktura(tmp_path, old, "sync", INVOICE)
    assert issued.returncode == 0, issued.stdout + issued.stderr
    assert _booked(emulator) == 1

    moved = faktura(tmp_path, old, "db", "move-ledger", "--settings", old, "--to", new)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "postings 1" in moved.stdout

    again = faktura(tmp_path, new, "sync", INVOICE, "--settings", new)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 Uniconta calls" in again.stdout  # known from the ledger: nothing sent
    assert _booked(emulator) == 1  # the new setup knew the invoice was booked

    twice = faktura(tmp_path, old, "db", "move-ledger", "--settings", old, "--to", new)
    assert twice.returncode != 0
    assert "--to" in twice.stderr + twice.stdout and "already holds rows" in twice.stderr + \
        twice.stdout
    assert "Traceback" not in twice.stderr
