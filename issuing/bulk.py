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

    threads = 1 if renderer is None else 2 * renderer.workers
    with ExitStack() as stack:
        pool = (stack.enter_context(ThreadPoolExecutor(max_workers=threads,
                                                       thread_name_prefix="bulk"))
                if threads > 1 else None)
        for start in range(0, len(first), chunk_size):
            _issue_chunk(active, guard, first[start:start + chunk_size], record, pool)
    for index, item in repeats:
        assert item.invoice is not None
        try:
            issued = guard.issue(active, item.invoice)
        except Exception as error:  # noqa: BLE001 - reported per invoice, the batch goes on
            record(_failed(index, item, error))
            continue
        record(_issued(index, item, issued))
    return BatchReport([results[i] for i in sorted(results)])


def _issue_chunk(issuer: Issuer, guard: IssuingGuard, chunk: list[tuple[int, BatchInput]],
                 record: ResultCallback, pool: ThreadPoolExecutor | None) -> None:
    """Post one chunk together, then render and archive each of it (in `pool` if given).
    The chunk's source-id locks are held throughout (taken in sorted order)."""
    invoices = [item.invoice for _, item in chunk if item.invoice is not None]
    with ExitStack() as held:
        for source_id in sorted({invoice.source_id for invoice in invoices}):
            held.enter_context(guard.source_locks.hold(source_id))
        try:
            steps = issuer.post_many(invoices)
        except Exception as error:  # noqa: BLE001 - the chunk fails, the batch goes on
            for index, item in chunk:
                record(_failed(index, item, error))
            return
        finishing: list[tuple[int, BatchInput, Future[IssuedInvoice]]] = []
        for (index, item), step in zip(chunk, steps, strict=True):
            if isinstance(step, PostedInvoice):
                if pool is None:
                    step = _archive(issuer, step)
                else:
                    finishing.append((index, item, pool.submit(issuer.archive_posted, step)))
                    continue
            _report(index, item, step, record)
        for index, item, future in finishing:
            try:
                issued: IssuedInvoice | Exception = future.result()
            except Exception as error:  # noqa: BLE001 - reported per invoice
                issued = error
            _report(index, item, issued, record)


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
