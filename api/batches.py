"""Batches submitted over the API: kept on disk, run in the background, resumed after a restart.

Each batch lives in the tenant's own state folder::

    <state_dir>/api-batches/<tenant>/<batch_id>.request.json   the invoices as submitted
    <state_dir>/api-batches/<tenant>/<batch_id>.json           status and per-invoice results

or, with `database_url`, as one row of the `api_batches` table (so any server sharing the
database sees it).

Each tenant may keep only so much (`api.batch_quota`): a batch over the quota is refused
before anything is stored, and finished batches are deleted (record and request) a while after
they finish: when a batch is submitted, when it is asked for, and on a schedule in the server.

Batches run one at a time on one background thread (rendering itself uses every core through
the batch engine's worker processes, or the Celery workers when `broker_url` is set). A
server stopped mid-batch picks unfinished batches up again at startup; issuing is idempotent,
so nothing is posted or archived twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.batch_quota import BatchQuota, StoreUsage
from api.problems import describe_exception
from api.tenants import TenantServices
from faktura.errors import redacted
from infra.atomic import write_bytes_atomically
from infra.private import PRIVATE_FILE, private_dir
from issuing.batch import BatchResult, Outcome, ProcessRenderer, parse_inputs
from issuing.bulk import run_bulk_batch

log = logging.getLogger(__name__)

BATCH_ID_PATTERN = r"^[0-9a-f]{32}$"
SAVE_EVERY_SECONDS = 1.0
Status = Literal["queued", "running", "done", "failed"]
UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ResultOut(BaseModel):
    """One invoice of a batch."""

    index: int
    name: str
    outcome: Literal["issued", "already_issued", "failed"]
    source_id: str | None = None
    invoice_number: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


class BatchRecord(BaseModel):
    """A batch's status, progress and results (what `GET /v1/batches/{id}` returns)."""

    id: str
    tenant: str
    status: Status
    created_at: datetime
    finished_at: datetime | None = None
    total: int
    done: int = 0
    issued: int = 0
    already_issued: int = 0
    failed: int = 0
    error: str | None = None
    results: list[ResultOut] = Field(default_factory=list)

    def add(self, result: BatchResult) -> None:
        self.results.append(ResultOut.model_validate(result.to_json()))
        self.results.sort(key=lambda r: r.index)
        self._count()

    def _count(self) -> None:
        self.done = len(self.results)
        self.issued = sum(r.outcome == Outcome.ISSUED for r in self.results)
        self.already_issued = sum(r.outcome == Outcome.ALREADY_ISSUED for r in self.results)
        self.failed = sum(r.outcome == Outcome.FAILED for r in self.results)

    def archived_numbers(self) -> list[str]:
        return [r.invoice_number for r in self.results
                if r.outcome != Outcome.FAILED and r.invoice_number]


class BatchFiles:
    """Where one tenant's batches are kept.

    A record file's modification time is set to when the batch finished (before that: when
    the file was written, by `clock`), so expiry need read only the files old enough.
    """

    def __init__(self, services: TenantServices, clock: Clock = utc_now) -> None:
        settings = services.settings
        self.folder = settings.state_dir / "api-batches" / settings.tenant
        self.clock = clock

    def record_path(self, batch_id: str) -> Path:
        return self.folder / f"{_checked_id(batch_id)}.json"

    def request_path(self, batch_id: str) -> Path:
        return self.folder / f"{_checked_id(batch_id)}.request.json"

    def save_request(self, batch_id: str, data: bytes) -> None:
        private_dir(self.folder)
        write_bytes_atomically(self.request_path(batch_id), data, mode=PRIVATE_FILE)

    def load_request(self, batch_id: str) -> bytes:
        return self.request_path(batch_id).read_bytes()

    def save(self, record: BatchRecord) -> None:
        private_dir(self.folder)
        path = self.record_path(record.id)
        write_bytes_atomically(path, record.model_dump_json().encode("utf-8"),
                               mode=PRIVATE_FILE)
        stamp = _written_at(record, self.clock).timestamp()
        os.utime(path, (stamp, stamp))

    def load(self, batch_id: str) -> BatchRecord | None:
        try:
            return BatchRecord.model_validate_json(self.record_path(batch_id).read_bytes())
        except FileNotFoundError:
            return None

    def all(self) -> list[BatchRecord]:
        """Every batch kept (any status)."""
        return [r for r in (_read_record(path) for path in self._record_paths()) if r]

    def unfinished(self) -> list[BatchRecord]:
        found = []
        for path in self._record_paths():
            record = BatchRecord.model_validate_json(path.read_bytes())
            if record.status in UNFINISHED:
                found.append(record)
        return found

    def usage(self) -> StoreUsage:
        """How many batches and bytes are kept (from the folder listing, cheap)."""
        stats = {path: path.stat() for path in self._files()}
        records = sorted((s.st_mtime, path) for path, s in stats.items()
                         if not path.name.endswith(".request.json"))
        oldest = None
        for _, path in records:  # oldest first: usually the first one is finished
            record = _read_record(path)
            if record is not None and record.status in FINISHED:
                oldest = record.finished_at or record.created_at
                break
        return StoreUsage(len(records), sum(s.st_size for s in stats.values()), oldest)

    def expire(self, before: datetime) -> int:
        """Delete every batch that finished before `before` (request first, then record)."""
        cutoff = before.timestamp()
        expired = 0
        for path in self._files():
            try:
                if path.stat().st_mtime >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            if path.name.endswith(".request.json"):  # left behind by a stop mid-submit
                if not path.with_name(path.name.removesuffix(".request.json") + ".json"
                                      ).exists():
                    path.unlink(missing_ok=True)
                continue
            record = _read_record(path)
            if record is None or not _finished_before(record, before):
                continue
            self.request_path(record.id).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            expired += 1
        return expired

    def delete(self, batch_id: str) -> None:
        self.request_path(batch_id).unlink(missing_ok=True)
        self.record_path(batch_id).unlink(missing_ok=True)

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return [p for p in self.folder.glob("*.json")
                if re.fullmatch(r"[0-9a-f]{32}(\.request)?\.json", p.name)]

    def _record_paths(self) -> list[Path]:
        return sorted(p for p in self._files() if not p.name.endswith(".request.json"))


class BatchTable:
    """One tenant's batches as rows of `api_batches` in the settings' database."""

    def __init__(self, services: TenantServices, clock: Clock = utc_now) -> None:
        from api.batch_table import table_for

        self.tenant = services.settings.tenant
        self.table = table_for(services.settings)
        self.clock = clock

    def save_request(self, batch_id: str, data: bytes) -> None:
        self.table.put_request(self.tenant, _checked_id(batch_id), data.decode("utf-8"),
                               self.clock())

    def load_request(self, batch_id: str) -> bytes:
        return self.table.request(self.tenant, _checked_id(batch_id)).encode("utf-8")

    def save(self, record: BatchRecord) -> None:
        self.table.put_record(self.tenant, record.id, record.status, record.model_dump_json(),
                              _written_at(record, self.clock))

    def load(self, batch_id: str) -> BatchRecord | None:
        text = self.table.record(self.tenant, _checked_id(batch_id))
        return None if text is None else BatchRecord.model_validate_json(text)

    def all(self) -> list[BatchRecord]:
        """Every batch kept (any status)."""
        return [BatchRecord.model_validate_json(text)
                for text in self.table.records_in(self.tenant, UNFINISHED + FINISHED)]

    def unfinished(self) -> list[BatchRecord]:
        return [BatchRecord.model_validate_json(text)
                for text in self.table.records_in(self.tenant, UNFINISHED)]

    def usage(self) -> StoreUsage:
        count, stored, oldest = self.table.usage(self.tenant, FINISHED)
        return StoreUsage(count, stored, oldest)

    def expire(self, before: datetime) -> int:
        """Delete every batch that finished before `before` (one statement)."""
        return self.table.delete_older(self.tenant, FINISHED, before)

    def delete(self, batch_id: str) -> None:
        self.table.delete(self.tenant, _checked_id(batch_id))


def batch_store(services: TenantServices, clock: Clock = utc_now) -> BatchFiles | BatchTable:
    """Where this tenant's batches are kept: the database when there is one, else files."""
    if services.settings.database_url is not None:
        return BatchTable(services, clock)
    return BatchFiles(services, clock)


def _read_record(path: Path) -> BatchRecord | None:
    try:
        return BatchRecord.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None


def _written_at(record: BatchRecord, clock: Clock) -> datetime:
    """The time a record is filed under: when it finished, else now."""
    return record.finished_at or clock()


def _finished_before(record: BatchRecord, before: datetime) -> bool:
    if record.status not in FINISHED:
        return False
    return (record.finished_at or record.created_at) < before


def _checked_id(batch_id: str) -> str:
    if not re.fullmatch(BATCH_ID_PATTERN, batch_id):
        raise ValueError("not a batch id")
    return batch_id


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


class BatchService:
    """Accepts batches, runs them one at a time in the background and reports progress.

    `quota` limits what each tenant keeps and how long finished batches stay; `clock` is the
    time batches are stamped and expired by.
    """

    def __init__(self, *, workers: int, renderer_factory: Callable[[int], ProcessRenderer]
                 = ProcessRenderer, quota: BatchQuota | None = None,
                 clock: Clock = utc_now) -> None:
        self.workers = workers
        self.quota = quota or BatchQuota()
        self.clock = clock
        self._renderer_factory = renderer_factory
        self._renderer: ProcessRenderer | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="api-batch")
        self._live: dict[tuple[str, str], BatchRecord] = {}
        self._lock = threading.Lock()
        self._submit_lock = threading.Lock()
        self._stop = threading.Event()
        self._expiry: threading.Thread | None = None

    def submit(self, services: TenantServices, invoices: list[Any]) -> BatchRecord:
        """Store the request, queue the batch and return its record (status 'queued').

        Raises `BatchQuotaExceeded` (nothing stored) if the tenant's store is full.
        """
        request = json.dumps(invoices, default=_json_default).encode("utf-8")
        with self._submit_lock:  # one check-then-store at a time
            files = batch_store(services, self.clock)
            now = self.clock()
            record = BatchRecord(id=uuid.uuid4().hex, tenant=services.tenant, status="queued",
                                 created_at=now, total=len(invoices))
            files.expire(now - self.quota.keep_finished)
            self.quota.check(files.usage(), len(request) + len(record.model_dump_json()), now)
            files.save_request(record.id, request)
            files.save(record)
        self._start(services, record)
        return record.model_copy(deep=True)

    def expire(self, services: TenantServices) -> int:
        """Delete this tenant's batches finished longer ago than the quota keeps them."""
        before = self.clock() - self.quota.keep_finished
        expired = batch_store(services, self.clock).expire(before)
        if expired:
            log.info("expired %d finished batches of %s", expired, services.tenant)
        return expired

    def expire_regularly(self, tenants: Callable[[], list[TenantServices]]) -> None:
        """Expire every tenant's old batches now and every `quota.expire_every` after."""

        def sweep() -> None:
            for services in tenants():
                try:
                    self.expire(services)
                except Exception as error:  # noqa: BLE001 - the next sweep tries again
                    log.warning("expiring batches of %s failed: %s", services.tenant,
                                describe_exception(error))

        def regularly() -> None:
            while not self._stop.wait(self.quota.expire_every.total_seconds()):
                sweep()

        sweep()
        self._expiry = threading.Thread(target=regularly, name="api-batch-expiry", daemon=True)
        self._expiry.start()

    def resume_unfinished(self, services: TenantServices) -> int:
        """Queue again every batch of this tenant a previous server left unfinished."""
        records = batch_store(services, self.clock).unfinished()
        for record in records:
            log.info("resuming batch %s of %s (%d/%d done)", record.id, record.tenant,
                     record.done, record.total)
            self._start(services, record)
        return len(records)

    def list(self, services: TenantServices) -> list[BatchRecord]:
        """The tenant's batches still kept, newest first (running ones as they stand)."""
        cutoff = self.clock() - self.quota.keep_finished
        records = {record.id: record for record in batch_store(services, self.clock).all()
                   if record.tenant == services.tenant
                   and not _finished_before(record, cutoff)}
        with self._lock:
            for (tenant, batch_id), live in self._live.items():
                if tenant == services.tenant:
                    records[batch_id] = live.model_copy(deep=True)
        return sorted(records.values(), key=lambda r: (r.created_at, r.id), reverse=True)

    def get(self, services: TenantServices, batch_id: str) -> BatchRecord | None:
        """The batch's current record, if it belongs to this tenant."""
        with self._lock:
            live = self._live.get((services.tenant, batch_id))
            if live is not None:
                return live.model_copy(deep=True)
        store = batch_store(services, self.clock)
        record = store.load(batch_id)
        if record is None or record.tenant != services.tenant:
            return None
        if _finished_before(record, self.clock() - self.quota.keep_finished):
            store.delete(batch_id)  # expired, not yet swept
            return None
        return record

    def close(self) -> None:
        self._stop.set()
        if self._expiry is not None:
            self._expiry.join(timeout=30)
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._renderer is not None:
            self._renderer.close()

    def _start(self, services: TenantServices, record: BatchRecord) -> None:
        with self._lock:
            self._live[(record.tenant, record.id)] = record
        self._executor.submit(self._run, services, record)

    def _process_renderer(self) -> ProcessRenderer | None:
        if self.workers <= 0:
            return None
        if self._renderer is None:
            self._renderer = self._renderer_factory(self.workers)
        return self._renderer

    @contextlib.contextmanager
    def _issuer(self, services: TenantServices) -> Iterator[tuple[Any, Any]]:
        """The tenant's issuer and renderer: on the Celery workers when a broker is set."""
        if services.settings.broker_url is not None:
            from issuing.bootstrap import open_queue_issuer

            with open_queue_issuer(services.settings) as pair:
                yield pair
            return
        yield services.issuer(), self._process_renderer()

    def _run(self, services: TenantServices, record: BatchRecord) -> None:
        files = batch_store(services, self.clock)
        last_save = 0.0

        def update(change: Callable[[], None], force: bool = False) -> None:
            nonlocal last_save
            with self._lock:
                change()
                snapshot = record.model_copy(deep=True)
            if force or time.monotonic() - last_save >= SAVE_EVERY_SECONDS:
                files.save(snapshot)
                last_save = time.monotonic()

        def finish(change: Callable[[], None]) -> None:
            """The final change, stored before anyone sees it: the batch is live until its
            finished record is written, then read from the store."""
            with self._lock:
                change()
                files.save(record.model_copy(deep=True))
                self._live.pop((record.tenant, record.id), None)

        def running() -> None:
            record.status = "running"

        update(running, force=True)
        try:
            invoices = json.loads(files.load_request(record.id), parse_float=Decimal)
            inputs = parse_inputs(invoices)
            known = {r.index for r in record.results}
            with self._issuer(services) as (issuer, renderer):
                run_bulk_batch(issuer, inputs, renderer=renderer, guard=services.guard,
                               skip=known.__contains__,
                               on_result=lambda result: update(lambda: record.add(result)))
        except Exception as error:  # noqa: BLE001 - recorded on the batch, the server goes on
            safe = redacted(error)  # the batch's record repeats no customer data either
            log.error("batch %s failed: %s", record.id, describe_exception(error))
            reason = f"{type(safe).__name__}: {safe}"

            def failed() -> None:
                record.status = "failed"
                record.error = reason
                record.finished_at = self.clock()

            finish(failed)
        else:
            def done() -> None:
                record.status = "done"
                record.finished_at = self.clock()

            finish(done)
        finally:
            with self._lock:
                self._live.pop((record.tenant, record.id), None)

