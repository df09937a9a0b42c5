"""The batch quota and expiry checks, run against each batch store (no tests here).

`test_api_batch_quota.py` runs them on the files store and on a SQLite `database_url`;
`scaleout/test_api_batch_quota_postgres.py` on PostgreSQL. Time is a `FakeClock` the app is
given, moved by hand: nothing sleeps to make a batch old.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api_helpers import FakeIssuers, sample, tenant_settings

from api.app import create_app
from api.auth import KeyInfo, KeyStore
from api.batch_quota import BatchQuota
from api.tenants import TenantRegistry
from faktura.settings import Settings

DAY = timedelta(days=1)
#: A batch that finishes at once: its one invoice is refused by validation (nothing posted).
QUICK = {"invoices": [{"not": "an invoice"}]}


class FakeClock:
    """The time the app stamps and expires batches by; `advance` moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, by: timedelta) -> None:
        with self._lock:
            self.now += by


class GatedIssuers(FakeIssuers):
    """`FakeIssuers` whose issuer opens only once `gate` is set: batches stay running."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()

    @contextmanager
    def __call__(self, settings: Settings, renderer: Any = None) -> Iterator[Any]:
        assert self.gate.wait(120), "the gate was never opened"
        with super().__call__(settings, renderer) as issuer:
            yield issuer


class QuotaServer:
    """Two tenants (alpha, beta) on one batch store, with a quota and a fake clock."""

    def __init__(self, tmp: Path, database_url: str | None, quota: BatchQuota) -> None:
        extra = {} if database_url is None else {"database_url": SecretStr(database_url)}
        self.tmp = tmp
        self.database_url = database_url
        self.alpha = tenant_settings(tmp, "alpha", **extra)
        self.beta = tenant_settings(tmp, "beta", **extra)
        self.registry = TenantRegistry.of(self.alpha, self.beta,
                                          key_store_path=database_url or tmp / "keys.sqlite")
        store = KeyStore(self.registry.key_store_path)
        self.keys = {t: store.create(t)[0] for t in ("alpha", "beta")}
        store.close()
        self.quota = quota
        self.clock = FakeClock()
        self.issuers = GatedIssuers()

    @contextmanager
    def running(self) -> Iterator[TestClient]:
        app = create_app(self.registry, issuer_factory=self.issuers, batch_workers=0,
                         batch_quota=self.quota, clock=self.clock)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client

    def headers(self, tenant: str = "alpha") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[tenant]}"}

    def submit(self, client: TestClient, body: dict[str, Any] = QUICK,
               tenant: str = "alpha") -> Any:
        return client.post("/v1/batches", json=body, headers=self.headers(tenant))

    def finished(self, client: TestClient, body: dict[str, Any] = QUICK,
                 tenant: str = "alpha") -> str:
        """Submit a batch and wait until it is done; its id."""
        response = self.submit(client, body, tenant)
        assert response.status_code == 202, response.text
        batch_id = response.json()["id"]
        self.wait(client, batch_id, tenant)
        return str(batch_id)

    def wait(self, client: TestClient, batch_id: str, tenant: str = "alpha",
             until: tuple[str, ...] = ("done", "failed")) -> dict[str, Any]:
        """The batch's record once the API shows one of `until` and the store holds that
        same status: the API shows a change a moment before its file or row is written, and
        a write in flight (a `.part` file) must not land between two looks at the store."""
        deadline = time.monotonic() + 120
        while True:
            record = client.get(f"/v1/batches/{batch_id}", headers=self.headers(tenant)).json()
            if record["status"] in until and self.stored_status(batch_id, tenant) == record[
                    "status"] and not self.writing(tenant):
                return record
            assert time.monotonic() < deadline, record
            time.sleep(0.05)

    def stored_status(self, batch_id: str, tenant: str = "alpha") -> str | None:
        """The status the store holds for the batch (None: not stored)."""
        if self.database_url is None:
            path = self.tmp / tenant / "var" / "api-batches" / tenant / f"{batch_id}.json"
            try:
                return str(json.loads(path.read_bytes())["status"])
            except FileNotFoundError:
                return None
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT status FROM api_batches WHERE tenant = :t"
                                            " AND id = :i"), {"t": tenant, "i": batch_id}
                                    ).scalar()
        finally:
            engine.dispose()

    def writing(self, tenant: str = "alpha") -> bool:
        """A file of the store is being written (its temporary `.part` is there)."""
        return any(name.endswith(".part") for name in self.stored(tenant))

    def stored(self, tenant: str = "alpha") -> set[str]:
        """What the store holds of the tenant: file names, or row ids."""
        if self.database_url is None:
            folder = self.tmp / tenant / "var" / "api-batches" / tenant
            return {p.name for p in folder.glob("*")} if folder.is_dir() else set()
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT id FROM api_batches WHERE tenant = :t"),
                                    {"t": tenant}).all()
        finally:
            engine.dispose()
        return {row.id for row in rows}

    def holds(self, batch_id: str, tenant: str = "alpha") -> bool:
        names = self.stored(tenant)
        if self.database_url is None:
            parts = {f"{batch_id}.json", f"{batch_id}.request.json"} & names
            assert len(parts) in (0, 2), names  # record and request go together
            return bool(parts)
        return batch_id in names


def assert_quota_problem(response: Any, quota: str) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 429 and body["quota"] == quota
    assert [e["field"] for e in body["errors"]] == [quota]
    assert body["request_id"] == response.headers["x-request-id"]
    return dict(body)


# -- the checks ---------------------------------------------------------------------------------


def check_quota_by_count(tmp: Path, database_url: str | None) -> None:
    server = QuotaServer(tmp, database_url, BatchQuota(max_batches=2))
    with server.running() as client:
        first = server.finished(client)
        server.clock.advance(2 * DAY)
        server.finished(client)
        before = server.stored()
        refused = server.submit(client)
        body = assert_quota_problem(refused, "max_batches")
        assert (body["limit"], body["used"]) == (2, 2)
        # the first batch expires 7 days after it finished, 2 days have passed
        assert int(refused.headers["retry-after"]) == int((5 * DAY).total_seconds())
        assert server.stored() == before  # nothing of the refused batch was stored

        assert server.submit(client, tenant="beta").status_code == 202  # beta is unaffected

        server.clock.advance(5 * DAY + timedelta(seconds=1))  # the first one expires
        accepted = server.submit(client)
        assert accepted.status_code == 202, accepted.text
        assert not server.holds(first)


def check_quota_by_size(tmp: Path, database_url: str | None) -> None:
    big = {"invoices": [sample(source_id=f"SIZE-{i}") for i in range(4)]}
    size = len(json.dumps(big["invoices"]))
    limit = 2 * size - 1  # one such batch (and its record) fits, two do not
    server = QuotaServer(tmp, database_url, BatchQuota(max_bytes=limit))
    with server.running() as client:
        server.finished(client, tenant="beta")
        server.issuers.gate.clear()  # alpha's batch stays unfinished
        accepted = server.submit(client, big)
        assert accepted.status_code == 202
        # running, and held at the gate: its record no longer changes
        server.wait(client, accepted.json()["id"], until=("running",))
        before = server.stored()
        refused = server.submit(client, big)
        body = assert_quota_problem(refused, "max_bytes")
        assert body["limit"] == limit and size < body["used"] < limit
        assert "retry-after" not in refused.headers  # nothing finished, nothing will expire
        assert server.stored() == before  # nothing of the refused batch was stored

        # larger than the whole quota: refused, and waiting for beta's batch to expire
        # would not help
        huge = {"invoices": big["invoices"] * 3}
        too_big = server.submit(client, huge, tenant="beta")
        assert_quota_problem(too_big, "max_bytes")
        assert "retry-after" not in too_big.headers
        assert server.submit(client, big, tenant="beta").status_code == 202  # beta has room
        server.issuers.gate.set()


def check_expiry(tmp: Path, database_url: str | None) -> None:
    server = QuotaServer(tmp, database_url, BatchQuota())
    with server.running() as client:
        old = server.finished(client)
        other = server.finished(client, tenant="beta")
        server.clock.advance(3 * DAY)
        young = server.finished(client)
        assert server.holds(old) and server.holds(young)

        server.clock.advance(4 * DAY + timedelta(seconds=1))  # `old`: 7 days and a second
        gone = client.get(f"/v1/batches/{old}", headers=server.headers())
        assert gone.status_code == 404
        assert gone.headers["content-type"] == "application/problem+json"
        assert gone.json()["request_id"] == gone.headers["x-request-id"]
        assert not server.holds(old)  # record and request deleted from the store
        assert client.get(f"/v1/batches/{old}/pdf", headers=server.headers()).status_code == 404
        assert client.get(f"/v1/batches/{young}", headers=server.headers()).status_code == 200

    # A sweep at startup (and on the schedule after) expires what nobody asks for.
    assert server.holds(other, "beta")
    with server.running() as client:
        assert not server.holds(other, "beta")
        assert server.holds(young)
        server.clock.advance(3 * DAY)
        assert client.get(f"/v1/batches/{young}", headers=server.headers()).status_code == 404
    assert server.stored() == set() and server.stored("beta") == set()


def check_unfinished_never_expire(tmp: Path, database_url: str | None) -> None:
    server = QuotaServer(tmp, database_url, BatchQuota())
    with server.running() as client:
        server.issuers.gate.clear()  # the batch waits for its issuer: queued or running
        response = server.submit(client)
        assert response.status_code == 202
        batch_id = response.json()["id"]
        server.clock.advance(30 * DAY)
        state = client.app.state.faktura  # type: ignore[attr-defined]
        assert state.batches.expire(state.services(KeyInfo("", "alpha", ""))) == 0
        still = client.get(f"/v1/batches/{batch_id}", headers=server.headers()).json()
        assert still["status"] in ("queued", "running")
        assert server.holds(batch_id)

        server.issuers.gate.set()
        assert server.wait(client, batch_id)["status"] == "done"
        server.clock.advance(7 * DAY - timedelta(seconds=1))
        assert client.get(f"/v1/batches/{batch_id}", headers=server.headers()).status_code == 200
        server.clock.advance(timedelta(seconds=2))
        assert client.get(f"/v1/batches/{batch_id}", headers=server.headers()).status_code == 404
        assert not server.holds(batch_id)
