"""Files and folders Faktura keeps are private to its user (files 0600 or read-only 0400,
folders 0700) even under the usual umask 022: the archive's PDFs, invoice JSON and index, the
posting ledger, the sync log, the emulator's state, the API keys, the settings `faktura init`
writes (the seal's key and anchor: tests/test_archive_seal.py). The PDFs it hands out
(`--out`) are readable as usual."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from people_support import ROOT, SAMPLES, environment, settings_outside


def run(folder: Path, settings: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`faktura ARGS` in `folder` under umask 022 (what most machines give a process)."""
    done = subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], cwd=folder,
                          env=environment(settings), capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL,
                          preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def open_to_others(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO))


def test_what_faktura_keeps_is_private_and_what_it_hands_out_is_not(tmp_path: Path) -> None:
    settings = settings_outside(tmp_path)
    run(tmp_path, settings, "batch", SAMPLES / "01-one-line.json", SAMPLES / "06-eur-invoice.json",
        "--out", "out", "--workers", "0")
    run(tmp_path, settings, "apikey", "create", "--tenant", "revisorhuset")
    run(tmp_path, settings, "archive", "verify")

    kept = [tmp_path / "var"]
    seen = {path.relative_to(tmp_path).as_posix(): path
            for top in kept for path in [top, *top.rglob("*")]}
    for name in ("var/archive/index.sqlite", "var/ledger.sqlite", "var/api-keys.sqlite",
                 "var/sync-log.jsonl", "var/emulator.sqlite"):
        assert name in seen, sorted(seen)
    pdfs = [name for name in seen if name.startswith("var/archive/") and name.endswith(".pdf")]
    assert len(pdfs) == 2
    wide = sorted(f"{name} {stat.S_IMODE(path.stat().st_mode):04o}"
                  for name, path in seen.items() if open_to_others(path))
    assert wide == []
    for name in pdfs:
        assert stat.S_IMODE(seen[name].stat().st_mode) == 0o400  # read-only, once written

    handed_out = sorted((tmp_path / "out").glob("*.pdf"))
    assert len(handed_out) == 2
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o644 for path in handed_out)


def test_a_key_database_of_an_older_version_is_narrowed_when_opened(tmp_path: Path) -> None:
    from api.keys import KeyStore

    path = tmp_path / "api-keys.sqlite"
    KeyStore(path).close()
    os.chmod(path, 0o644)  # as an older version left it
    store = KeyStore(path)
    store.create("default")
    store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_faktura_init_writes_the_settings_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKTURA_")}
    done = subprocess.run([sys.executable, "-m", "cli.main", "init", str(tmp_path / "firm")],
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stdout + done.stderr
    written = list((tmp_path / "firm").glob("*.toml"))
    assert written and all(not open_to_others(path) for path in written)


def test_a_batch_sent_to_the_api_is_kept_private(tmp_path: Path) -> None:
    """The API keeps each batch's request (the invoices as sent) and its record."""
    import time

    from fastapi.testclient import TestClient
    from test_api_helpers import FakeIssuers, sample, tenant_settings

    from api.app import create_app
    from api.auth import KeyStore
    from api.tenants import TenantRegistry

    old = os.umask(0o022)
    try:
        settings = tenant_settings(tmp_path, "alpha")
        registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
        store = KeyStore(registry.key_store_path)
        key, _ = store.create("alpha")
        store.close()
        headers = {"Authorization": f"Bearer {key}"}
        app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0)
        with TestClient(app) as client:
            batch_id = client.post("/v1/batches", json={"invoices": [sample()]},
                                   headers=headers).json()["id"]
            deadline = time.monotonic() + 60
            while client.get(f"/v1/batches/{batch_id}", headers=headers).json()[
                    "status"] != "done":
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        os.umask(old)
    folder = settings.state_dir / "api-batches"
    kept = [folder, *folder.rglob("*")]
    assert any(path.name == f"{batch_id}.request.json" for path in kept)
    assert [path for path in kept + [tmp_path / "keys.sqlite"] if open_to_others(path)] == []
