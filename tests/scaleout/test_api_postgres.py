"""The HTTP API with `database_url`: API keys and batch records in PostgreSQL, so a batch a
stopped server left unfinished is resumed by the next one from the database."""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import sqlalchemy as sa
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the API tests' helpers

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api_helpers import FakeIssuers, sample, tenant_settings  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import KeyStore  # noqa: E402
from api.tenants import TenantRegistry  # noqa: E402


def _wait_done(client: TestClient, batch_id: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 120
    while (record := client.get(f"/v1/batches/{batch_id}", headers=headers).json()
           )["status"] != "done":
        assert time.monotonic() < deadline, record
        time.sleep(0.1)
    return record


def test_keys_and_batches_live_in_postgresql_and_a_batch_resumes_from_there(
        tmp_path: Path, pg_url: str) -> None:
    settings = tenant_settings(tmp_path, "alpha", database_url=SecretStr(pg_url))
    registry = TenantRegistry.of(settings, key_store_path=pg_url)
    store = KeyStore(registry.key_store_path)
    key, _ = store.create("alpha")
    store.close()
    issuers = FakeIssuers()
    headers = {"Authorization": f"Bearer {key}"}
    invoices = [sample(source_id="PG-1"), sample(source_id="PG-2")]
    with TestClient(create_app(registry, issuer_factory=issuers, batch_workers=0)) as client:
        batch_id = client.post("/v1/batches", json={"invoices": invoices},
                               headers=headers).json()["id"]
        _wait_done(client, batch_id, headers)
    assert not (settings.state_dir / "api-batches").exists()  # nothing went to files

    # Pretend the server died after the first invoice: the row says running, 1 of 2 done.
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        record = conn.execute(sa.text("SELECT record FROM api_batches WHERE id = :i"),
                              {"i": batch_id}).scalar_one()
        data = json.loads(record)
        data.update(status="running", finished_at=None, results=data["results"][:1])
        conn.execute(sa.text("UPDATE api_batches SET status = 'running', record = :r"
                             " WHERE id = :i"), {"r": json.dumps(data), "i": batch_id})
    engine.dispose()

    with TestClient(create_app(registry, issuer_factory=issuers, batch_workers=0)) as client:
        record = _wait_done(client, batch_id, headers)
    assert [r["outcome"] for r in record["results"]] == ["issued", "already_issued"]
    assert sorted(issuers.posters["alpha"].numbers) == ["PG-1", "PG-2"]
