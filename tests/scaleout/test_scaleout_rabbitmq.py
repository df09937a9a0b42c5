"""Batches on workers with RabbitMQ as the broker (Redis is the other choice, tested with the
full scale-out backends): the embedded SQLite ledger and archive folder work with workers too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scaleout_support import REPO, run_faktura, scaleout_settings


def test_rabbitmq_broker_issues_each_invoice_once(tmp_path: Path, emulator, rabbitmq_url,
                                                   workers):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("01-one-line.json", "04-mixed-vat.json"):
        shutil.copy(REPO / "samples" / name, folder / name)
    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url,
                                 broker_url=rabbitmq_url)
    workers.start()
    batch = run_faktura("batch", str(folder), "--settings", str(settings), "--out",
                        str(tmp_path / "out"), cwd=tmp_path)
    assert batch.returncode == 0, batch.stdout + batch.stderr + workers.logs()
    assert "issued 2" in batch.stdout
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2
    assert emulator.stats()["postings"]["committed"] == 2
    assert (tmp_path / "archive" / "index.sqlite").is_file()  # the embedded archive


def test_api_batch_runs_on_the_workers(tmp_path: Path, emulator, rabbitmq_url, workers):
    import time
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import KeyStore
    from api.tenants import TenantRegistry

    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url,
                                 broker_url=rabbitmq_url)
    workers.start()
    registry = TenantRegistry.load(settings)
    store = KeyStore(registry.key_store_path)
    key, _ = store.create("revisorhuset")
    store.close()
    headers = {"Authorization": f"Bearer {key}"}
    invoices = [json.loads((REPO / "samples" / name).read_text(encoding="utf-8"))
                for name in ("01-one-line.json", "04-mixed-vat.json")]
    with TestClient(create_app(registry, batch_workers=0)) as client:
        batch_id = client.post("/v1/batches", json={"invoices": invoices},
                               headers=headers).json()["id"]
        deadline = time.monotonic() + 300
        while (record := client.get(f"/v1/batches/{batch_id}", headers=headers).json()
               )["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, record
            time.sleep(0.2)
    assert record["status"] == "done" and record["issued"] == 2, record
    assert emulator.stats()["postings"]["committed"] == 2
    assert "faktura.render" in workers.logs()  # rendered on the worker, not in the server
