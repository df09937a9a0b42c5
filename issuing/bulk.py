"""Issue a batch in chunks: compute all, post each chunk with few Uniconta calls, then render
and archive each invoice.

Posting one invoice at a time costs three Uniconta calls (order, lines, posting), each a
round trip of ~100 ms to a real Uniconta, and the user's 5,000 free calls a day. In chunks
(`DEFAULT_CHUNK_SIZE` invoices), the orders of a whole chunk are made in one call and all their
lines in one more, and then each order is posted: `n + 2` calls for `n` invoices
(`Issuer.post_many` → `BulkPoster.post_many`). The outcome of each invoice is the one
`Issuer.issue` gives it: a bad invoice is reported with its field and problem, the others
are booked and archived; exactly once holds under every fault (see `sync.posting.engine`).

Rendering works as in `issuing.batch.run_batch`: in this thread, or with a `ProcessRenderer`
in its warm worker processes (driver threads here wait for the PDFs). The same source
invoice twice in one batch: the later copies are issued one by one after the chunks, and
find the first archived ("already issued") or changed (a clear error).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack

from faktura.errors import Problem
from issuing.batch import (
    BatchInput,
    BatchReport,
    BatchResult,
    IssuingGuard,
    Outcome,
    ProcessRenderer,
    ResultCallback,
    SerializedPoster,
    problems_of,
)
from issuing.pipeline import IssuedInvoice, Issuer, PostedInvoice

#: Invoices posted together: two calls per chunk besides one posting per invoice.
DEFAULT_CHUNK_SIZE = 50


def run_bulk_batch(
    issuer: Issuer,
    inputs: Sequence[BatchInput],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    renderer: ProcessRenderer | None = None,
    guard: IssuingGuard | None = None,
    on_result: ResultCallback | None = None,
    skip: Callable[[int], bool] | None = None,
) -> BatchReport:
    """Issue every valid input in chunks of `chunk_size`; report each (in input order) and
    never stop at a bad one. Arguments as for `issuing.batch.run_batch`."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    guard = guard or IssuingGuard()
    active = guard.wrap(issuer, renderer)
    results: dict[int, BatchResult] = {}

    def record(result: BatchResult) -> None:
        results[result.index] = result
        if on_result is not None:
            on_result(result)

    first: list[tuple[int, BatchInput]] = []
    repeats: list[tuple[int, BatchInput]] = []
    seen: set[str] = set()
    for index, item in enumerate(inputs):
        if skip is not None and skip(index):
            continue
        if item.invoice is None:
            problems = tuple(item.error.problems) if item.error else ()
            record(BatchResult(index, item.name, Outcome.FAILED, problems=problems))
            continue
        (repeats if item.source_id in seen else first).append((index, item))
        seen.add(item.invoice.source_id)

    # Render and archive in other threads while the next invoices post: one thread for the
    # renderer of this process, 2 × workers to keep a ProcessRenderer's workers busy.
    threads = 1 if renderer is None else 2 * renderer.workers
    archiving = _archiving_issuer(active)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bulk") as pool:
        for start in range(0, len(first), chunk_size):
            _issue_chunk(active, archiving, guard, first[start:start + chunk_size], record,
                         pool)
    for index, item in repeats:
        assert item.invoice is not None
        try:
            issued = guard.issue(active, item.invoice)
        except Exception as error:  # noqa: BLE001 - reported per invoice, the batch goes on
            record(_failed(index, item, error))
            continue
        record(_issued(index, item, issued))
    return BatchReport([results[i] for i in sorted(results)])


def _issue_chunk(issuer: Issuer, archiving: Issuer, guard: IssuingGuard,
                 chunk: list[tuple[int, BatchInput]], record: ResultCallback,
                 pool: ThreadPoolExecutor) -> None:
    """Post one chunk together; each posted invoice is rendered and archived in `pool` as
    soon as its posting is back. The chunk's source-id locks are held throughout (taken in
    sorted order), its results recorded in input order."""
    invoices = [item.invoice for _, item in chunk if item.invoice is not None]
    finishing: dict[int, Future[IssuedInvoice | Exception]] = {}

    def on_step(position: int, step: PostedInvoice | IssuedInvoice | Exception) -> None:
        finishing[position] = pool.submit(_finish, archiving, step)

    with ExitStack() as held:
        for source_id in sorted({invoice.source_id for invoice in invoices}):
            held.enter_context(guard.source_locks.hold(source_id))
        try:
            issuer.post_many(invoices, on_step)
        except Exception as error:  # noqa: BLE001 - the chunk fails, the batch goes on
            for position in range(len(chunk)):
                if position not in finishing:
                    finishing[position] = _done(error)
        for position, (index, item) in enumerate(chunk):
            _report(index, item, finishing[position].result(), record)


def _finish(issuer: Issuer, step: PostedInvoice | IssuedInvoice | Exception
            ) -> IssuedInvoice | Exception:
    return _archive(issuer, step) if isinstance(step, PostedInvoice) else step


def _done(error: Exception) -> Future[IssuedInvoice | Exception]:
    future: Future[IssuedInvoice | Exception] = Future()
    future.set_result(error)
    return future


def _archiving_issuer(active: Issuer) -> Issuer:
    """The issuer that renders and archives posted invoices while others post. Its
    `mark_archived` is the sync core's own, not behind the posting lock that the chunk's
    posting holds: it is one ledger write, which the ledger's database orders itself."""
    poster = active.poster
    if isinstance(poster, SerializedPoster):
        poster = poster.inner
    return Issuer(active.settings, poster=poster, archive=active.archive,
                  renderer=active.renderer)


def _archive(issuer: Issuer, posted: PostedInvoice) -> IssuedInvoice | Exception:
    try:
        return issuer.archive_posted(posted)
    except Exception as error:  # noqa: BLE001 - reported per invoice, the batch goes on
        return error


def _report(index: int, item: BatchInput, step: IssuedInvoice | Exception,
            record: ResultCallback) -> None:
    record(_failed(index, item, step) if isinstance(step, Exception)
           else _issued(index, item, step))


def _issued(index: int, item: BatchInput, issued: IssuedInvoice) -> BatchResult:
    outcome = Outcome.ALREADY_ISSUED if issued.already_issued else Outcome.ISSUED
    return BatchResult(index, item.name, outcome, source_id=item.source_id,
                       invoice_number=issued.invoice_number, entry=issued.entry)


def _failed(index: int, item: BatchInput, error: BaseException) -> BatchResult:
    problems: tuple[Problem, ...] = problems_of(error)
    return BatchResult(index, item.name, Outcome.FAILED, source_id=item.source_id,
                       problems=problems)
