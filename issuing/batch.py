"""Issue many invoices at once: posting serialised in this process, rendering in worker processes.

Month-end runs issue hundreds or thousands of invoices. WeasyPrint is CPU-bound and
single-threaded, so rendering runs in a pool of warm worker *processes* (one per core by
default, `issuing.renderpool`), each of which builds one `Renderer` once and keeps its font
configuration, parsed stylesheet and logo for every invoice it renders.

Posting is NOT parallel. A Uniconta server user may only be logged in once, the number series
hands out numbers in order, and the sync ledger is one SQLite file: so every `Poster.post` and
`Poster.mark_archived` call goes through one lock in the parent process (`SerializedPoster`).
A few driver threads in the parent run the unchanged `Issuer.issue` pipeline (post → render →
archive); while one thread posts, the others wait for their PDFs from the pool, which keeps
every core busy rendering while the postings happen strictly one at a time.

Resumable: `Issuer.issue` is idempotent on the source invoice id (the archive's
`find_by_source_id` and the sync ledger), so re-running a killed batch skips whatever is already
archived and finishes the rest. A bad invoice is reported with its field and problem and the
others go on.
"""

from __future__ import annotations

import enum
import io
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from pypdf import PdfReader, PdfWriter

from archive import ArchiveEntry, ArchiveError, ArchiveStore
from faktura.computed import ComputedInvoice
from faktura.errors import FakturaError, InvalidInput, Problem
from faktura.model import Invoice, parse_invoice
from infra.invoice_file import load_invoice
from issuing.pipeline import BulkPoster, IssuedInvoice, Issuer, Poster, Posting
from issuing.renderpool import (  # noqa: F401  (default_workers: re-exported)
    BULK,
    PoolLimits,
    PoolRenderer,
    RenderPool,
    default_workers,
)

log = logging.getLogger(__name__)


# -- inputs and results ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchInput:
    """One invoice of a batch: where it came from and the parsed invoice, or why it is bad."""

    name: str
    invoice: Invoice | None = None
    error: InvalidInput | None = None

    @property
    def source_id(self) -> str | None:
        return self.invoice.source_id if self.invoice else None


class Outcome(enum.StrEnum):
    ISSUED = "issued"
    ALREADY_ISSUED = "already_issued"
    FAILED = "failed"


@dataclass(frozen=True)
class BatchResult:
    """What happened to one invoice of a batch."""

    index: int
    name: str
    outcome: Outcome
    source_id: str | None = None
    invoice_number: str | None = None
    entry: ArchiveEntry | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def reason(self) -> str:
        """The problems as one line (empty unless failed)."""
        return "; ".join(str(p) for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary (what the API reports per invoice)."""
        return {
            "index": self.index,
            "name": self.name,
            "outcome": self.outcome.value,
            "source_id": self.source_id,
            "invoice_number": self.invoice_number,
            "errors": [{"field": p.field, "message": p.message} for p in self.problems],
        }


@dataclass
class BatchReport:
    """The results of a whole batch, in input order."""

    results: list[BatchResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def failed(self) -> list[BatchResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]

    @property
    def archived_numbers(self) -> list[str]:
        """Invoice numbers of every invoice that is in the archive now, in input order."""
        return [r.invoice_number for r in self.results
                if r.outcome is not Outcome.FAILED and r.invoice_number]


def read_inputs(paths: Iterable[Path]) -> list[BatchInput]:
    """The invoices named on a command line: JSON files, and folders of `*.json` (sorted).

    A file that cannot be read or is not a valid invoice becomes a `BatchInput` carrying the
    error, so that the batch reports it and goes on with the others.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        else:
            files.append(path)
    inputs = []
    for file in files:
        try:
            inputs.append(BatchInput(file.name, invoice=load_invoice(file)))
        except InvalidInput as error:
            inputs.append(BatchInput(file.name, error=InvalidInput("", error.problems)))
    return inputs


def parse_inputs(items: Sequence[object], name_prefix: str = "invoices") -> list[BatchInput]:
    """Invoices given as data (e.g. an API request): each validated on its own."""
    inputs = []
    for index, data in enumerate(items):
        name = f"{name_prefix}[{index}]"
        try:
            inputs.append(BatchInput(name, invoice=parse_invoice(data, name)))
        except InvalidInput as error:
            inputs.append(BatchInput(name, error=InvalidInput("", error.problems)))
        except (TypeError, AttributeError, KeyError, ValueError):  # a malformed TimeLog export
            inputs.append(BatchInput(name, error=InvalidInput("", [Problem(
                "", "not a valid invoice or TimeLog export: a field has the wrong type")])))
    return inputs


# -- posting: strictly one at a time --------------------------------------------------------------


class SerializedPoster:
    """A `Poster` whose calls run one at a time (one Uniconta user, one ledger)."""

    def __init__(self, poster: Poster, lock: threading.Lock | None = None) -> None:
        self.inner = poster
        self._lock = lock or threading.Lock()

    def post(self, computed: ComputedInvoice) -> Posting:
        with self._lock:
            return self.inner.post(computed)

    def mark_archived(self, invoice: Invoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        with self._lock:
            self.inner.mark_archived(invoice, invoice_number, pdf_sha256)

    def post_many(self, invoices: Sequence[ComputedInvoice],
                  on_posted: Callable[[int, Posting | FakturaError], None] | None = None,
                  ) -> list[Posting | FakturaError]:
        """All of them under the lock: in bulk when the inner poster can, else one by one."""
        with self._lock:
            if isinstance(self.inner, BulkPoster):
                return self.inner.post_many(invoices, on_posted)
            outcomes: list[Posting | FakturaError] = []
            for index, computed in enumerate(invoices):
                try:
                    outcome: Posting | FakturaError = self.inner.post(computed)
                except FakturaError as error:
                    outcome = error
                outcomes.append(outcome)
                if on_posted is not None:
                    on_posted(index, outcome)
            return outcomes


class KeyedLocks:
    """One lock per key (a source invoice id), so one invoice is never issued twice at once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def hold(self, key: str) -> _Held:
        return _Held(self, key)

    def _acquire(self, key: str) -> threading.Lock:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        lock.acquire()
        return lock

    def _release(self, key: str, lock: threading.Lock) -> None:
        lock.release()
        with self._guard:
            _, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class _Held:
    def __init__(self, locks: KeyedLocks, key: str) -> None:
        self._locks, self._key = locks, key
        self._lock: threading.Lock | None = None

    def __enter__(self) -> None:
        self._lock = self._locks._acquire(self._key)

    def __exit__(self, *_: object) -> None:
        assert self._lock is not None
        self._locks._release(self._key, self._lock)


class IssuingGuard:
    """The locks one tenant's issuing shares between the API's requests and its batches.

    * one posting lock: Uniconta postings and ledger updates happen one at a time;
    * one lock per source invoice id: the same invoice is never in two pipelines at once
      (the second waits and then finds it archived).
    """

    def __init__(self) -> None:
        self.posting_lock = threading.Lock()
        self.source_locks = KeyedLocks()

    def wrap(self, issuer: Issuer, renderer: Any | None = None) -> Issuer:
        """The same issuer with serialised posting (and, optionally, another renderer)."""
        poster = issuer.poster
        if isinstance(poster, SerializedPoster):
            poster = poster.inner
        return Issuer(issuer.settings, poster=SerializedPoster(poster, self.posting_lock),
                      archive=issuer.archive, renderer=renderer or issuer.renderer)

    def issue(self, issuer: Issuer, invoice: Invoice) -> IssuedInvoice:
        """`issuer.issue(invoice)` while holding the invoice's source-id lock."""
        with self.source_locks.hold(invoice.source_id):
            return issuer.issue(invoice)


# -- rendering: warm worker processes -------------------------------------------------------------


class ProcessRenderer(PoolRenderer):
    """A `Renderer` look-alike whose `render` runs in a render pool of its own: warm worker
    processes, one per core by default (`issuing.renderpool`), bounded in time and memory.

    A worker that dies is replaced and the render tried once more on the new one, since
    rendering has no side effects.
    """

    def __init__(self, workers: int | None = None, limits: PoolLimits | None = None) -> None:
        limits = replace(limits or PoolLimits(), workers=workers or 0)
        super().__init__(RenderPool(limits), priority=BULK)

    def warm_up(self) -> None:
        """Wait until every worker has built its Renderer."""
        self.pool.wait_ready()

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> ProcessRenderer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


# -- the batch ------------------------------------------------------------------------------------


class PostingOrder:
    """Invoices of a batch reach Uniconta in input order, so their numbers follow the files.

    Each invoice posts only after every earlier one has posted or given up; rendering still
    overlaps. Driver threads take invoices in order, so the next one is always in progress.
    """

    def __init__(self, poster: Poster, positions: dict[str, int]) -> None:
        self._poster = poster
        self._positions = positions
        self._waiting = sorted(positions.values())
        self._done: set[int] = set()
        self._turn = threading.Condition()

    def post(self, computed: ComputedInvoice) -> Posting:
        position = self._positions[computed.invoice.source_id]
        with self._turn:
            self._turn.wait_for(lambda: self._next() == position)
        try:
            return self._poster.post(computed)
        finally:
            self.release(position)

    def mark_archived(self, invoice: Invoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        self._poster.mark_archived(invoice, invoice_number, pdf_sha256)

    def release(self, position: int) -> None:
        with self._turn:
            self._done.add(position)
            self._turn.notify_all()

    def _next(self) -> int | None:
        return next((p for p in self._waiting if p not in self._done), None)



def problems_of(error: BaseException) -> tuple[Problem, ...]:
    """An error as field/problem pairs, for a batch report."""
    if isinstance(error, InvalidInput):
        return tuple(error.problems)
    if isinstance(error, FakturaError | ArchiveError):
        return (Problem("", str(error)),)
    return (Problem("", f"{type(error).__name__}: {error}"),)


ResultCallback = Callable[[BatchResult], None]


def run_batch(
    issuer: Issuer,
    inputs: Sequence[BatchInput],
    *,
    renderer: ProcessRenderer | None = None,
    guard: IssuingGuard | None = None,
    on_result: ResultCallback | None = None,
    skip: Callable[[int], bool] | None = None,
) -> BatchReport:
    """Issue every valid input; report each (in input order) and never stop at a bad one.

    With `renderer` (a `ProcessRenderer`), PDFs are rendered in its worker processes and
    `2 × workers` driver threads keep them busy; without, everything runs in this thread with
    `issuer.renderer`. Posting is serialised either way. `on_result` is called (from a driver
    thread, one call at a time) as each invoice finishes; `skip(index)` leaves an input out
    (used when resuming a batch whose results are partly known).
    """
    guard = guard or IssuingGuard()
    active = guard.wrap(issuer, renderer)
    results: dict[int, BatchResult] = {}
    report_lock = threading.Lock()

    def record(result: BatchResult) -> None:
        with report_lock:
            results[result.index] = result
            if on_result is not None:
                on_result(result)

    todo: list[tuple[int, BatchInput]] = []
    for index, item in enumerate(inputs):
        if skip is not None and skip(index):
            continue
        if item.invoice is None:
            problems = tuple(item.error.problems) if item.error else ()
            record(BatchResult(index, item.name, Outcome.FAILED, problems=problems))
        else:
            todo.append((index, item))

    def issue_one(issuer: Issuer, index: int, item: BatchInput) -> None:
        assert item.invoice is not None
        try:
            issued = guard.issue(issuer, item.invoice)
        except Exception as error:  # noqa: BLE001 - reported per invoice, the batch goes on
            # The type and the fields only: a message may quote the customer's text.
            log.info("batch: %s failed: %s %s", item.name, type(error).__name__,
                     [problem.field for problem in problems_of(error) if problem.field])
            record(BatchResult(index, item.name, Outcome.FAILED, source_id=item.source_id,
                               problems=problems_of(error)))
            return
        outcome = Outcome.ALREADY_ISSUED if issued.already_issued else Outcome.ISSUED
        record(BatchResult(index, item.name, outcome, source_id=item.source_id,
                           invoice_number=issued.invoice_number, entry=issued.entry))

    # The same source invoice twice in one batch: later copies wait for the first round, and
    # then find it archived ("already issued") or changed (a clear error).
    first, repeats, seen = [], [], set()
    for index, item in todo:
        (repeats if item.source_id in seen else first).append((index, item))
        seen.add(item.source_id)

    threads = 1 if renderer is None else 2 * renderer.workers
    for round_ in (first, repeats):
        if threads == 1 or len(round_) <= 1:
            for index, item in round_:
                issue_one(active, index, item)
            continue
        order = PostingOrder(active.poster, {item.source_id: index for index, item in round_})
        ordered = Issuer(active.settings, poster=order, archive=active.archive,
                         renderer=active.renderer)

        def issue_in_order(order: PostingOrder, issuer: Issuer, index: int,
                           item: BatchInput) -> None:
            try:
                issue_one(issuer, index, item)
            finally:
                order.release(index)  # also when it never reached posting

        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="batch") as pool:
            futures = [pool.submit(issue_in_order, order, ordered, index, item)
                       for index, item in round_]
            for future in futures:
                future.result()
    return BatchReport([results[i] for i in sorted(results)])


# -- the print file -------------------------------------------------------------------------------


def merge_pdfs(pdfs: Iterable[bytes]) -> bytes:
    """One print file: the given PDFs one after another.

    The file is PDF/A like the invoices in it: it starts as a copy of the first document,
    catalogue included (the XMP metadata with its PDF/A claim, the sRGB output intent), and
    the pages of the others are appended to it.
    """
    writer: PdfWriter | None = None
    for pdf in pdfs:
        reader = PdfReader(io.BytesIO(pdf))
        if writer is None:
            writer = PdfWriter(clone_from=reader)
        else:
            writer.append(reader)
    out = io.BytesIO()
    (writer or PdfWriter()).write(out)
    return out.getvalue()


def iter_archived_pdfs(issuer: Issuer, numbers: Iterable[str]) -> Iterator[bytes]:
    """The archived PDFs of these invoice numbers, exactly as issued."""
    for number in numbers:
        yield issuer.archive.pdf(issuer.settings.tenant, number)


@dataclass(frozen=True)
class PrintFile:
    """A batch's print file: the merged PDFs (None: no invoice has one kept) and the invoices
    left out because the archive keeps no PDF of theirs (Uniconta's layout, not kept)."""

    pdf: bytes | None
    skipped: list[str]

    def note(self) -> str:
        if not self.skipped:
            return ""
        return ("not in the print file (Uniconta's layout, no PDF kept): "
                + ", ".join(self.skipped))


def print_file(archive: ArchiveStore, tenant: str, numbers: Sequence[str]) -> PrintFile:
    """The print file of these archived invoices, in order, exactly as archived."""
    kept: list[str] = []
    skipped: list[str] = []
    for number in numbers:
        (kept if archive.get(tenant, number).pdf_kept else skipped).append(number)
    pdf = merge_pdfs(archive.pdf(tenant, n) for n in kept) if kept else None
    return PrintFile(pdf, skipped)
