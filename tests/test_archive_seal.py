"""The keyed seal: what someone who can write to the archive, but holds neither the seal's
key nor its anchor, can no longer do unseen — recompute a link after editing a total, remove
the newest invoice entirely — and how an archive sealed without a key reads and is keyed."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from archive import Archive, LocalArchive
from archive.blobs import LocalBlobStore
from archive.index import SqliteIndex
from archive.anchor import Anchor
from archive.seal import chain_key, entry_sha256
from archive.seal_key import SealKey, SealKeyError, create_key_file, load_key_file
from test_archive import make_item

ROOT = Path(__file__).resolve().parent.parent
TENANT = "default"


@pytest.fixture
def key(tmp_path: Path) -> SealKey:
    return create_key_file(tmp_path / "keys" / "seal.key")


@pytest.fixture
def anchor_file(tmp_path: Path) -> Path:
    return tmp_path / "elsewhere" / "anchor.json"


def archived(root: Path, key: SealKey | None, anchor_file: Path | None, *numbers: str
             ) -> None:
    with open_local(root, key, anchor_file) as archive:
        for number in numbers:
            archive.put(make_item(number))


def open_local(root: Path, key: SealKey | None, anchor_file: Path | None = None
               ) -> LocalArchive:
    return LocalArchive(root, seal_key=key,
                        anchor=Anchor(anchor_file, key) if anchor_file else None)


def link_path(root: Path, seq: int) -> Path:
    return root / chain_key(TENANT, seq)


def overwrite(path: Path, data: bytes) -> None:
    """What someone with write access to the folder can do to a read-only file."""
    os.chmod(path, 0o644)
    path.write_bytes(data)


def edit_total_and_recompute(root: Path, number: str, keep_mac: bool) -> None:
    """Edit an invoice's total in the index and recompute its link and every later one, as
    one can without the key: the old HMAC kept, or left out."""
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("UPDATE archive_entries SET total_amount = '1.00' WHERE invoice_number = ?",
                     (number,))
    with LocalArchive(root) as plain:
        entry = plain.get(TENANT, number)
    seq, previous = 1, "0" * 64
    while link_path(root, seq).exists():
        body = json.loads(link_path(root, seq).read_bytes())
        if body["invoice_number"] == number:
            body["entry_sha256"] = entry_sha256(entry)
        body["previous"] = previous
        if not keep_mac:
            body.pop("mac", None)
            body.pop("key_id", None)
        data = json.dumps(body, sort_keys=True).encode()
        overwrite(link_path(root, seq), data)
        previous = hashlib.sha256(data).hexdigest()
        seq += 1


def delete_entirely(root: Path, number: str) -> None:
    """Remove an invoice's row, its link (the newest) and its files."""
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("DELETE FROM archive_entries WHERE invoice_number = ?", (number,))
    seq = 1
    while link_path(root, seq + 1).exists():
        seq += 1
    assert json.loads(link_path(root, seq).read_bytes())["invoice_number"] == number
    link_path(root, seq).unlink()
    for path in (root / TENANT).rglob(f"{number}.*"):
        path.unlink()


def problems(report) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(p.invoice_number, p.kind) for p in report.problems]


@pytest.mark.parametrize("keep_mac", [True, False], ids=["old-hmac-kept", "hmac-left-out"])
def test_an_edited_total_with_its_link_recomputed_is_reported_with_the_key(
    tmp_path: Path, key: SealKey, keep_mac: bool,
) -> None:
    root = tmp_path / "archive"
    archived(root, key, None, "1", "2", "3")
    edit_total_and_recompute(root, "2", keep_mac)
    with open_local(root, key) as archive:
        report = archive.verify()
    if keep_mac:  # the chain stops at link 2: rows 2 and 3 are no longer proven
        assert problems(report) == [("-", "broken"), ("2", "unsealed"), ("3", "unsealed")]
        assert "link 2" in report.problems[0].detail
    else:  # every link stripped of its HMAC: not taken for an archive sealed before its key
        assert problems(report) == [("-", "unproven")]
        with open_local(root, key) as archive, pytest.raises(SealKeyError):
            archive.put(make_item("4"))  # nor written to
    assert "without the key" in report.problems[0].detail


def test_without_a_key_the_same_recomputation_passes_and_verify_says_the_seal_proves_little(
    tmp_path: Path,
) -> None:
    """What the key is for: the unkeyed chain is recomputed unseen (and verify says so)."""
    root = tmp_path / "archive"
    archived(root, None, None, "1", "2", "3")
    edit_total_and_recompute(root, "2", keep_mac=False)
    with LocalArchive(root) as archive:
        report = archive.verify()
    assert report.ok
    assert any("no key" in note for note in report.notes)


def test_the_newest_invoice_removed_entirely_is_reported_against_the_anchor(
    tmp_path: Path, key: SealKey, anchor_file: Path,
) -> None:
    root = tmp_path / "archive"
    archived(root, key, anchor_file, "1", "2", "3")
    delete_entirely(root, "3")
    with open_local(root, key) as archive:  # without the anchor the chain is whole in itself
        assert archive.verify().ok
    with open_local(root, key, anchor_file) as archive:
        report = archive.verify()
    assert problems(report) == [("3", "deleted")]
    assert "the anchor records 3 links, the chain has 2" in report.problems[0].detail
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600


def test_an_anchor_moved_back_without_the_key_is_reported(
    tmp_path: Path, key: SealKey, anchor_file: Path,
) -> None:
    root = tmp_path / "archive"
    archived(root, key, anchor_file, "1", "2", "3")
    delete_entirely(root, "3")
    data = json.loads(anchor_file.read_bytes())
    link_2 = hashlib.sha256(link_path(root, 2).read_bytes()).hexdigest()
    data["tenants"][TENANT].update(seq=2, link=link_2, invoice_number="2")
    anchor_file.write_text(json.dumps(data))
    with open_local(root, key, anchor_file) as archive:
        report = archive.verify()
    assert [p.kind for p in report.problems] == ["broken"]
    assert "anchor" in report.problems[0].detail and "edited" in report.problems[0].detail


def test_an_archive_sealed_without_a_key_verifies_as_before_then_is_keyed(
    tmp_path: Path, key: SealKey, anchor_file: Path,
) -> None:
    root = tmp_path / "archive"
    archived(root, None, None, "1", "2")
    with LocalArchive(root) as archive:
        unkeyed = archive.verify()
    assert unkeyed.ok and unkeyed.checked == 2
    assert any("the seal has no key" in note for note in unkeyed.notes)

    with open_local(root, key, anchor_file) as archive:
        # Given the key, a chain without it is not taken in unasked (it may have been stripped).
        assert problems(archive.verify()) == [("-", "unproven")]
        with pytest.raises(SealKeyError, match="--key-the-seal"):
            archive.put(make_item("3"))
        assert archive.key_the_seal() == 1
        keyed = archive.verify()
        assert keyed.ok, keyed.problems
        assert any("links 1-2 were sealed before the seal had a key; link 3 keyed them" in note
                   for note in keyed.notes)
        archive.put(make_item("3"))
        assert archive.verify().ok
    assert json.loads(link_path(root, 3).read_bytes())["kind"] == "keyed"
    assert "mac" in json.loads(link_path(root, 4).read_bytes())

    # The links sealed before the key can no longer be recomputed either.
    edit_total_and_recompute(root, "1", keep_mac=True)
    with open_local(root, key, anchor_file) as archive:
        assert "broken" in [p.kind for p in archive.verify().problems]


def test_a_keyed_seal_is_not_written_or_proven_without_its_key(
    tmp_path: Path, key: SealKey,
) -> None:
    root = tmp_path / "archive"
    archived(root, key, None, "1")
    with LocalArchive(root) as archive:
        with pytest.raises(SealKeyError, match="has a key"):
            archive.put(make_item("2"))
        report = archive.verify()
    assert problems(report) == [("-", "unproven")]
    other = SealKey(os.urandom(32))
    with open_local(root, other) as archive:
        with pytest.raises(SealKeyError, match="another key"):
            archive.put(make_item("2"))
        assert "broken" in [p.kind for p in archive.verify().problems]
    with open_local(root, key) as archive:
        assert archive.verify().ok


def test_the_key_file_is_private_made_once_and_refused_when_others_may_read_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "seal.key"
    done = subprocess.run([sys.executable, "-m", "cli.main", "archive", "seal-key", str(path)],
                          cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = load_key_file(path)
    assert key.key_id in done.stdout and key.secret.hex() not in done.stdout
    again = subprocess.run([sys.executable, "-m", "cli.main", "archive", "seal-key", str(path)],
                           cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert again.returncode == 1 and "never replaced" in again.stderr
    assert load_key_file(path) == key
    os.chmod(path, 0o644)
    with pytest.raises(SealKeyError, match="chmod 600") as refused:
        load_key_file(path)
    assert key.secret.hex() not in str(refused.value)


def test_verify_on_the_command_line_reports_the_removal_and_exits_1(
    tmp_path: Path, key: SealKey, anchor_file: Path,
) -> None:
    root = tmp_path / "archive"
    archived(root, key, anchor_file, "1", "2")
    key_file = tmp_path / "keys" / "seal.key"
    args = [sys.executable, "-m", "cli.main", "archive", "verify", "--archive-dir", str(root),
            "--seal-key-file", str(key_file), "--anchor-file", str(anchor_file)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    fine = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env)
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert "the anchor's link 2 found in the chain" in fine.stdout
    delete_entirely(root, "2")
    cut = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env)
    assert cut.returncode == 1, cut.stdout + cut.stderr
    assert "DELETED" in cut.stdout and "newest entries were removed" in cut.stdout


def test_the_settings_give_the_key_and_the_anchor_and_keep_them_out_of_the_archive(
    tmp_path: Path,
) -> None:
    from issuing.bootstrap import open_archive
    from faktura.settings import ArchiveSettings
    from infra.settings_files import load_settings

    create_key_file(tmp_path / "keys" / "seal.key")
    text = (ROOT / "samples" / "settings.toml").read_text(encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(text + '\n[archive]\nseal_key_file = "keys/seal.key"\n'
                    'anchor_file = "elsewhere/anchor.json"\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.archive.seal_key_file == tmp_path / "keys" / "seal.key"
    settings = settings.model_copy(update={"archive_dir": tmp_path / "archive"})
    with open_archive(settings) as archive:
        archive.put(make_item("1"))
        assert archive.verify().ok
    assert "mac" in json.loads(link_path(tmp_path / "archive", 1).read_bytes())
    assert json.loads((tmp_path / "elsewhere" / "anchor.json").read_bytes())["tenants"][TENANT][
        "seq"] == 1
    for inside in ({"seal_key_file": tmp_path / "archive" / "seal.key"},
                   {"anchor_file": tmp_path / "archive" / "anchor.json"}):
        chosen = ArchiveSettings(**inside)
        with pytest.raises(SealKeyError, match="archive folder"):
            open_archive(settings.model_copy(update={"archive": chosen}))


def test_an_archive_copied_into_a_keyed_one_is_sealed_with_the_key(
    tmp_path: Path, key: SealKey,
) -> None:
    from archive.migrate import copy_archive

    archived(tmp_path / "old", None, None, "1", "2")
    with LocalArchive(tmp_path / "old") as source, open_local(tmp_path / "new", key) as target:
        report = copy_archive(source, target)
        assert report.ok, report.problems
        assert report.copied == 2
        assert target.verify().ok
        target.put(make_item("3"))
    links = [json.loads(link_path(tmp_path / "new", seq).read_bytes()) for seq in (1, 2, 3)]
    assert [link["invoice_number"] for link in links] == ["1", "2", "3"]
    assert all("mac" in link for link in links)


class _SlowLinks(LocalBlobStore):
    """A store whose link writes take a while (as over the network), counting refused ones."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.refused_links = 0

    def put_if_absent(self, key: str, data: bytes) -> bool:
        if "/index-chain/" not in key:
            return super().put_if_absent(key, data)
        time.sleep(0.01)
        stored = super().put_if_absent(key, data)
        self.refused_links += not stored
        return stored


def test_threads_archiving_at_once_append_the_seal_in_turn(tmp_path: Path) -> None:
    """A batch archives from several threads: each invoice's link goes into the next free
    slot at the first write, none is refused (a refused write costs a write and a read of
    the new head), and the chain holds one link per invoice."""
    blobs = _SlowLinks(tmp_path / "archive")
    archive = Archive(blobs, SqliteIndex(tmp_path / "index.sqlite"))
    numbers = [str(10001 + n) for n in range(12)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda number: archive.put(make_item(number)), numbers))
    chain = archive.chain.read(TENANT)
    assert blobs.refused_links == 0
    assert sorted(link.invoice_number for link in chain.links) == numbers
    assert chain.broken is None and archive.verify(TENANT).ok
    archive.close()
