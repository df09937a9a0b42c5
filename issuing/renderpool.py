"""Bounded rendering: a pool of warm worker processes with a queue, a time and a memory limit.

WeasyPrint is CPU-bound and single-threaded, and one long invoice can take seconds and
hundreds of megabytes. So every render runs in one of N worker processes (one per core by
default), each holding a `Renderer` built and warmed up once, and each render is bounded:

* **queue**: at most `queue_per_worker × workers` renders wait; one more is refused at once
  with `RenderQueueFull`, which carries an estimate of when to try again: what is queued and
  running, each priced by its number of lines at the render times the pool has measured
  (`RenderTimes`), shared among the workers;
* **time**: a render that uses more than `time_limit` seconds of its worker's CPU time has
  the worker killed and replaced, and the caller gets `RenderTimeLimit`. CPU time, not the
  clock: on a busy machine a render takes longer but needs the same CPU, so the same invoice
  gets the same answer. The clock still bounds it at `WALL_CLOCK_FACTOR × time_limit` (a
  worker that waits for something never uses CPU);
* **memory**: the pool reads each busy worker's resident memory from `/proc` many times a
  second; a worker over `memory_limit` is killed and replaced, and the caller gets
  `RenderMemoryLimit`. The worker's address space is also capped (`RLIMIT_AS`, the limit plus
  some headroom for what is mapped but never touched), so even an allocation the pool could
  not see in time fails inside the worker instead of swapping the machine;
* **cancellation**: a caller that gives up cancels its render: a waiting one leaves the
  queue, a running one has its worker killed and replaced (`cancelled` counts them);
* **recycling**: a worker is replaced after `recycle_after` renders, or when a render leaves
  it above `recycle_memory` (a process rarely gives memory back to the system);
* **lent workers**: a long invoice's second piece (`renderer.chunked`) is laid out by a
  sibling worker that is idle, while its own worker lays out the first. A worker is told with
  its work whether a sibling is idle; if so it asks for one up its pipe, its slot hands the
  piece to a sibling still idle at that moment (else it answers "none" at once) and sends the
  piece back down the pipe. A piece that cannot be had (no idle sibling, a sibling that fails,
  dies or passes its limits) leaves the invoice to be laid out in one pass: the same bytes.
  A worker that waits for a piece is still bounded by its render's limits.

One pool serves the whole process: `pool.submit(...)` returns a `RenderJob` whose future can
be awaited from asyncio (`await pool.wait(job)`) or waited on by a thread, and
`pool.renderer()` is a `Renderer` look-alike (`.render(invoice, settings, draft=...,
pdf_variant=..., attachments=...)`) for the issuing pipeline and batches. Renders of people
waiting (previews, single invoices) go before the renders of a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from faktura.computed import ComputedInvoice
from faktura.errors import FakturaError, InvalidInput, Problem
from faktura.model import Invoice
from faktura.settings import Settings
from renderer.embedded import EmbeddedFile, PdfVariant

if TYPE_CHECKING:  # WeasyPrint loads in the render processes only
    from renderer.document import InvoiceView

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_QUEUE_PER_WORKER = 8
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_MEMORY_LIMIT = 768 * MiB
#: Renders before a worker is replaced. A new worker costs about 1.7 s of CPU (imports, fonts,
#: a warm-up render) on a core the other workers share: after 500 one-page renders that was
#: 6 % of the pool's CPU and a visible bump in preview latency; after 5,000 it is under 1 %.
#: Memory does not wait for the count: a worker above `recycle_memory` goes after its render.
DEFAULT_RECYCLE_AFTER = 5000
#: Address space a worker may map beyond `memory_limit` (shared libraries, fonts, arenas that
#: are reserved but never touched): the hard cap behind the pool's own RSS check.
ADDRESS_SPACE_HEADROOM = 512 * MiB
#: A render may take this many times its CPU time limit by the clock (a busy machine).
WALL_CLOCK_FACTOR = 4
#: How often a busy worker's memory, time and cancellation are checked (seconds).
CHECK_INTERVAL = 0.02
STARTUP_TIMEOUT = 120.0

INTERACTIVE, BULK = 0, 1
Priority = Literal[0, 1]
JobKind = Literal["pdf", "html"]


# -- errors -----------------------------------------------------------------------------------


class RenderRefused(FakturaError):
    """The render pool did not render this document."""


class RenderQueueFull(RenderRefused):
    """Every worker is busy and the queue is full; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int, waiting: int) -> None:
        super().__init__(f"the renderer is busy ({waiting} documents waiting); try again in"
                         f" {retry_after} s")
        self.retry_after = retry_after
        self.waiting = waiting


class RenderTooLarge(RenderRefused):
    """The document needs more than a render may take (time or memory); the same document
    will be refused again, so splitting it is the way forward."""

    limit_name = ""

    def __init__(self, lines: int, limit: str) -> None:
        super().__init__(f"the invoice ({lines} lines) is too long to render within the"
                         f" {self.limit_name} limit of {limit}; split it into several invoices")
        self.lines = lines
        self.limit = limit


class RenderTimeLimit(RenderTooLarge):
    """The render ran past the time limit; its worker was replaced."""

    limit_name = "time"


class RenderMemoryLimit(RenderTooLarge):
    """The render's worker passed the memory ceiling; it was replaced."""

    limit_name = "memory"


class RenderCancelled(RenderRefused):
    """The caller gave up on the render."""


class RenderWorkerFailed(RenderRefused):
    """A render worker could not start or died; the document itself may be fine."""


# -- the worker process -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Work:
    """What a worker is asked to do (pickled to it)."""

    kind: JobKind
    invoice: Invoice | ComputedInvoice
    settings: Settings
    draft: bool
    pdf_variant: PdfVariant
    attachments: tuple[EmbeddedFile, ...]
    want_view: bool
    sibling_idle: bool = False  # set as it is sent: a sibling may lay out a piece


@dataclass(frozen=True)
class _Piece:
    """A long invoice's second piece, for a sibling worker (`chunked.lay_out_piece`'s
    arguments after the renderer)."""

    args: tuple[Any, ...]


class _SiblingPiece:
    """In a worker: the piece it asked its slot for; `result()` waits for it on the pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def result(self) -> Any:
        from renderer.chunked import LaidOut

        kind, laid = self.conn.recv()
        assert kind == "piece"
        return laid if laid is not None else LaidOut(None)  # none: the one pass


class _SiblingLayouter:
    """In a worker, for one render: lays out a long invoice's second piece in a sibling worker
    the pool said was idle when it handed the render over (`chunked.PieceLayouter`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def submit(self, *args: Any) -> _SiblingPiece:
        self.conn.send(("piece", args))
        return _SiblingPiece(self.conn)


def _worker_main(conn: Connection, address_space: int | None) -> None:
    """A worker: build one Renderer, then render what comes down the pipe until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us, not a Ctrl-C
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    try:
        from renderer.render import Renderer

        renderer = Renderer()
        renderer.warm_up()
    except BaseException as error:  # noqa: BLE001 - reported to the parent, then we exit
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            work = conn.recv()
        except (EOFError, OSError):
            return
        if work is None:
            return
        if isinstance(work, tuple):  # a piece that came after its render gave up on it
            continue
        if getattr(work, "sibling_idle", False):
            renderer.layout_helper = _SiblingLayouter(conn)
        try:
            answer = _do(renderer, work)
        finally:
            renderer.layout_helper = None
        conn.send(answer)
        if answer[0] == "memory":  # after a MemoryError nothing in this process is trusted
            return


def _do(renderer: Any, work: _Work | _Piece) -> tuple[Any, ...]:
    """Run one piece of work; every failure comes back as plain, picklable data."""
    from renderer.chunked import lay_out_piece
    from renderer.document import build_view

    try:
        if isinstance(work, _Piece):
            return ("ok", lay_out_piece(renderer, *work.args))
        if work.kind == "html":
            return ("ok", renderer.html(build_view(work.invoice, work.settings,
                                                   draft=work.draft)))
        view, pdf = renderer.render(work.invoice, work.settings, draft=work.draft,
                                    pdf_variant=work.pdf_variant,
                                    attachments=work.attachments)
        return ("ok", (view if work.want_view else None, pdf))
    except InvalidInput as error:
        return ("invalid", error.source, [(p.field, p.message) for p in error.problems])
    except FakturaError as error:
        return ("error", str(error))
    except MemoryError:
        return ("memory",)
    except Exception as error:  # noqa: BLE001 - a bug in rendering, reported, worker goes on
        return ("crash", f"{type(error).__name__}: {error}")


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _rss(pid: int) -> int:
    """The resident memory of a process in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# -- jobs, limits, counters ---------------------------------------------------------------------


@dataclass(frozen=True)
class PoolLimits:
    """How many workers, how many waiting renders, and what one render may use."""

    workers: int = 0  # 0: one per core
    queue_per_worker: int = DEFAULT_QUEUE_PER_WORKER
    time_limit: float = DEFAULT_TIME_LIMIT  # CPU seconds per render
    memory_limit: int = DEFAULT_MEMORY_LIMIT  # resident bytes per worker
    recycle_after: int = DEFAULT_RECYCLE_AFTER  # renders; 0: never
    recycle_memory: int | None = None  # resident bytes after a render; default half the limit

    def __post_init__(self) -> None:
        problems = []
        if self.workers < 0:
            problems.append(Problem("render_workers", "must be 0 (one per core) or more"))
        if self.queue_per_worker < 0:
            problems.append(Problem("render_queue", "must be 0 or more"))
        if self.time_limit <= 0:
            problems.append(Problem("render_time_limit", "must be more than 0 seconds"))
        if self.memory_limit <= 0:
            problems.append(Problem("render_memory_limit", "must be more than 0 bytes"))
        if problems:
            raise InvalidInput("render pool", problems)

    @property
    def worker_count(self) -> int:
        return self.workers or default_workers()

    @property
    def recycle_rss(self) -> int:
        return self.recycle_memory or self.memory_limit // 2


@dataclass
class PoolStats:
    """What the pool has done since it started (read with `pool.stats()`)."""

    rendered: int = 0
    refused_full: int = 0
    cancelled: int = 0
    timed_out: int = 0
    over_memory: int = 0
    crashed: int = 0
    started_workers: int = 0
    recycled: int = 0
    pieces_lent: int = 0  # long invoices' second pieces laid out by a sibling worker
    waiting: int = 0
    running: int = 0
    max_rss: int = 0  # the highest resident memory of one worker the pool has seen
    worker_pids: tuple[int, ...] = ()


#: Seconds one render is assumed to take before the pool has measured any.
FIRST_GUESS = 1.0


class RenderTimes:
    """Measured render times, and what a render of so many lines will take by them.

    Keeps the last `keep` renders' (lines, seconds) and fits `seconds = fixed + per_line ×
    lines` by least squares (both parts at least 0); with only one length seen, the time
    scales with the lines. Not thread-safe: the pool holds its lock.

    >>> times = RenderTimes()
    >>> times.estimate(10)
    1.0
    >>> for _ in range(3):
    ...     times.observe(1, 0.3); times.observe(201, 4.3)
    >>> round(times.estimate(1), 2), round(times.estimate(101), 2), round(times.estimate(401), 2)
    (0.3, 2.3, 8.3)
    """

    def __init__(self, keep: int = 64) -> None:
        self._samples: deque[tuple[int, float]] = deque(maxlen=keep)
        self._fit: tuple[float, float] | None = None

    def observe(self, lines: int, seconds: float) -> None:
        self._samples.append((max(1, lines), max(0.0, seconds)))
        self._fit = None

    def estimate(self, lines: int) -> float:
        """Seconds a render of `lines` lines is expected to take."""
        if not self._samples:
            return FIRST_GUESS
        fixed, per_line = self._fit or self._refit()
        return fixed + per_line * max(1, lines)

    def _refit(self) -> tuple[float, float]:
        n = len(self._samples)
        mean_x = sum(x for x, _ in self._samples) / n
        mean_y = sum(y for _, y in self._samples) / n
        spread = sum((x - mean_x) ** 2 for x, _ in self._samples)
        if spread == 0:  # one length seen: proportional to the lines
            self._fit = (0.0, mean_y / mean_x)
            return self._fit
        per_line = max(0.0, sum((x - mean_x) * (y - mean_y) for x, y in self._samples)
                       / spread)
        fixed = mean_y - per_line * mean_x
        if fixed < 0:  # through the origin instead
            fixed, per_line = 0.0, (sum(x * y for x, y in self._samples)
                                    / sum(x * x for x, _ in self._samples))
        self._fit = (fixed, per_line)
        return self._fit


_ids = itertools.count(1)


@dataclass(eq=False)
class RenderJob:
    """One render, queued or running; `future` resolves to its result."""

    work: _Work | _Piece
    priority: Priority
    time_limit: float
    future: Future[Any] = field(default_factory=Future)
    id: int = field(default_factory=lambda: next(_ids))
    abandoned: bool = False

    @property
    def lines(self) -> int:
        if isinstance(self.work, _Piece):
            return 0
        return len(self.work.invoice.lines)

    def cancel(self) -> None:
        """Give up on the render: drop it from the queue, or stop the worker running it."""
        if self.future.cancel():  # still waiting: the done callback takes it off the queue
            return
        if not self.future.done():
            self.abandoned = True  # running: the worker's supervisor kills the worker


# -- the pool -----------------------------------------------------------------------------------


class RenderPool:
    """N warm render worker processes behind one bounded queue (see the module docstring)."""

    def __init__(self, limits: PoolLimits | None = None, **options: Any) -> None:
        self.limits = limits or PoolLimits(**options)
        self.workers = self.limits.worker_count
        self.capacity = self.limits.queue_per_worker * self.workers
        self._queues: tuple[deque[RenderJob], deque[RenderJob]] = (deque(), deque())
        self._cond = threading.Condition()
        self._closing = False
        self._stats = PoolStats()
        self._times = RenderTimes()  # measured render times (for Retry-After)
        self._startup_error: str | None = None
        self._context = multiprocessing.get_context("spawn")  # safe in a threaded server
        self._slots = [_Slot(self, i) for i in range(self.workers)]
        for slot in self._slots:
            slot.thread.start()

    # -- submitting

    def submit(self, invoice: Invoice | ComputedInvoice, settings: Settings, *,
               kind: JobKind = "pdf", draft: bool = False, pdf_variant: PdfVariant = None,
               attachments: Sequence[EmbeddedFile] = (), want_view: bool = True,
               priority: Priority = INTERACTIVE, wait: float | None = None,
               time_limit: float | None = None) -> RenderJob:
        """Queue a render. With `wait` None a full queue refuses at once (`RenderQueueFull`);
        otherwise the call waits up to `wait` seconds for a place. `time_limit` replaces the
        pool's limit for this render (CPU seconds of the worker, from when it starts it)."""
        job = RenderJob(_Work(kind, invoice, settings, draft, pdf_variant, tuple(attachments),
                              want_view), priority, time_limit or self.limits.time_limit)
        with self._cond:
            if self._closing:
                raise RenderWorkerFailed("the renderer is shutting down")
            if self._waiting() >= self.capacity and wait is not None:
                self._cond.wait_for(lambda: self._closing or self._waiting() < self.capacity,
                                    timeout=wait)
            if self._closing:
                raise RenderWorkerFailed("the renderer is shutting down")
            if self._waiting() >= self.capacity and not self._idle_worker():
                self._stats.refused_full += 1
                raise RenderQueueFull(self._retry_after(), self._waiting())
            self._queues[priority].append(job)
            self._cond.notify_all()
        job.future.add_done_callback(lambda _: self._forget(job))
        return job

    def check_capacity(self) -> None:
        """Raise `RenderQueueFull` when a render submitted now would be refused."""
        with self._cond:
            if self._waiting() >= self.capacity and not self._idle_worker():
                self._stats.refused_full += 1
                raise RenderQueueFull(self._retry_after(), self._waiting())

    async def wait(self, job: RenderJob) -> Any:
        """Await the job's result from asyncio; a cancelled await cancels the render."""
        try:
            return await asyncio.wrap_future(job.future)
        except asyncio.CancelledError:
            job.cancel()
            raise

    def result(self, job: RenderJob) -> Any:
        """Wait for the job in this thread (cancelled if the wait is interrupted)."""
        try:
            return job.future.result()
        except BaseException:
            job.cancel()
            raise

    def renderer(self, *, priority: Priority = INTERACTIVE,
                 workers: int | None = None) -> PoolRenderer:
        """A `Renderer` look-alike that renders here (for `Issuer` and batches)."""
        return PoolRenderer(self, priority=priority, workers=workers)

    # -- what it has done

    def stats(self) -> PoolStats:
        with self._cond:
            stats = PoolStats(**vars(self._stats))
            stats.waiting = self._waiting()
            stats.running = sum(1 for s in self._slots if s.job is not None)
            stats.worker_pids = tuple(s.pid for s in self._slots if s.pid)
            return stats

    @property
    def cancelled(self) -> int:
        return self.stats().cancelled

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Block until every worker has started (for benchmarks and tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.wait_for(lambda: all(s.pid for s in self._slots)
                                or self._startup_error is not None,
                                timeout=max(0.0, deadline - time.monotonic()))
            if self._startup_error is not None:
                raise RenderWorkerFailed(self._startup_error)

    # -- closing

    def close(self) -> None:
        """Refuse new renders, fail the waiting ones, stop every worker."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            waiting = [job for queue in self._queues for job in queue]
            for queue in self._queues:
                queue.clear()
            self._cond.notify_all()
        for job in waiting:
            _fail(job, RenderWorkerFailed("the renderer is shutting down"))
        for slot in self._slots:
            slot.abandon_current()
        for slot in self._slots:
            slot.thread.join(timeout=10)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- for the worker slots (hold self._cond where noted)

    def _waiting(self) -> int:
        return len(self._queues[0]) + len(self._queues[1])

    def _idle_worker(self) -> bool:
        return self._waiting() == 0 and any(s.pid and s.job is None for s in self._slots)

    def _retry_after(self) -> int:
        """Seconds until a place is likely free: the measured times of what is queued, and
        what is left of what runs, shared among the workers."""
        now = time.monotonic()
        queued = sum(self._times.estimate(job.lines) for queue in self._queues
                     for job in queue)
        running = sum(max(0.0, self._times.estimate(s.job.lines) - (now - s.started))
                      for s in self._slots if s.job is not None)
        return max(1, math.ceil((queued + running) / self.workers))

    def _next_job(self, slot: _Slot) -> RenderJob | None:
        """The next job for `slot` (a piece lent to it, then interactive before bulk), marked
        as the slot's own."""
        with self._cond:
            try:
                while True:
                    if self._closing:
                        return None
                    if slot.job is not None:  # a piece handed to it by `_lend`
                        return slot.job
                    for queue in self._queues:
                        if queue:
                            job = slot.job = queue.popleft()
                            self._cond.notify_all()  # a place in the queue is free
                            return job
                    slot.idle = True
                    self._cond.wait()
            finally:
                slot.idle = False

    def _idle_sibling(self, slot: _Slot, *, waiting: bool = True) -> _Slot | None:
        """A worker other than `slot`'s that has no job: one that waits for work now, or
        (`waiting` False) one whose slot may still be seeing its last render off (hold
        self._cond)."""
        return next((s for s in self._slots if s is not slot and s.job is None and s.pid
                     and (s.idle or not waiting)), None)

    def _lend(self, slot: _Slot, args: tuple[Any, ...], time_limit: float
              ) -> RenderJob | None:
        """Hand a piece of `slot`'s render to an idle sibling; None if none is idle now."""
        with self._cond:
            sibling = None if self._closing else self._idle_sibling(slot)
            if sibling is None:
                return None
            job = sibling.job = RenderJob(_Piece(args), INTERACTIVE, time_limit)
            self._cond.notify_all()
            return job

    def _forget(self, job: RenderJob) -> None:
        if not job.future.cancelled():
            return
        with self._cond:
            try:
                self._queues[job.priority].remove(job)
            except ValueError:
                return  # already taken by a worker, which counts it
            self._stats.cancelled += 1
            self._cond.notify_all()

    def _count(self, name: str, seconds: float | None = None, lines: int = 1) -> None:
        with self._cond:
            setattr(self._stats, name, getattr(self._stats, name) + 1)
            if seconds is not None:
                self._times.observe(lines, seconds)

    def _observe(self, rss: int) -> None:
        if rss > self._stats.max_rss:
            with self._cond:
                self._stats.max_rss = max(self._stats.max_rss, rss)

    def _started(self, error: str | None) -> None:
        with self._cond:
            self._startup_error = error
            if error is None:
                self._stats.started_workers += 1
            self._cond.notify_all()
        if error is not None:  # nothing will render: tell those waiting now
            with self._cond:
                waiting = [job for queue in self._queues for job in queue]
                for queue in self._queues:
                    queue.clear()
            for job in waiting:
                _fail(job, RenderWorkerFailed(f"the renderer could not start: {error}"))


def _fail(job: RenderJob, error: BaseException) -> None:
    if not job.future.done() and (job.future.running()
                                  or job.future.set_running_or_notify_cancel()):
        job.future.set_exception(error)


def _unpack(answer: tuple[Any, ...]) -> Any:
    kind = answer[0]
    if kind == "ok":
        return answer[1]
    if kind == "invalid":
        raise InvalidInput(answer[1], [Problem(f, m) for f, m in answer[2]])
    if kind == "error":
        raise FakturaError(answer[1])
    raise RenderWorkerFailed(f"the renderer failed: {answer[1]}")


_LOST: tuple[Any, ...] = ("lost",)


class _Slot:
    """One worker process and the thread in this process that feeds and watches it."""

    def __init__(self, pool: RenderPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.process: Any = None
        self.conn: Connection | None = None
        self.pid = 0
        self.renders = 0
        self.job: RenderJob | None = None
        self.idle = False  # waiting for work in `pool._next_job`
        self.started = 0.0  # when the current job was sent to the worker (monotonic)
        self.thread = threading.Thread(target=self._run, name=f"render-worker-{index}",
                                       daemon=True)

    def abandon_current(self) -> None:
        job = self.job
        if job is not None:
            job.abandoned = True

    def _run(self) -> None:
        failures = 0
        try:
            while not self.pool._closing:
                if self.process is None:
                    error = self._start()
                    self.pool._started(error)
                    if error is not None:
                        failures += 1
                        time.sleep(min(5.0, 0.5 * failures))
                        continue
                    failures = 0
                job = self.pool._next_job(self)
                if job is None:
                    break
                self._serve(job)
        finally:
            self._stop(graceful=True)

    def _start(self) -> str | None:
        limits = self.pool.limits
        parent, child = self.pool._context.Pipe(duplex=True)
        process = self.pool._context.Process(
            target=_worker_main, name=f"faktura-render-{self.index}",
            args=(child, limits.memory_limit + ADDRESS_SPACE_HEADROOM), daemon=True)
        try:
            process.start()
        except Exception as error:  # noqa: BLE001 - e.g. out of processes; retried
            parent.close()
            child.close()
            return f"the render worker did not start ({error})"
        child.close()
        self.process, self.conn = process, parent
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not parent.poll(0.1):
                if self.pool._closing or time.monotonic() > deadline:
                    raise EOFError("no answer")
            kind, value = parent.recv()
        except (EOFError, OSError) as error:
            self._stop(graceful=False)
            return f"the render worker did not start ({error})"
        if kind != "ready":
            self._stop(graceful=False)
            return str(value)
        with self.pool._cond:
            self.pid = int(value)
            self.renders = 0
        return None

    def _serve(self, job: RenderJob) -> None:
        pool, limits = self.pool, self.pool.limits
        if not job.future.set_running_or_notify_cancel():  # cancelled while it waited
            with pool._cond:
                self.job = None
            pool._count("cancelled")
            return
        started = self.started = time.monotonic()
        lent = isinstance(job.work, _Piece)
        try:
            answer = self._exchange(job, started)
            if answer is _LOST and lent:  # its render goes on in one pass
                self._stop(graceful=False)
                _fail(job, RenderWorkerFailed("the render worker died"))
                answer = None
            if answer is _LOST:  # died before answering (killed from outside?): once more
                log.warning("render worker %d was lost; retrying on a new one", self.pid)
                self._stop(graceful=False)
                error = self._start()
                pool._started(error)
                answer = (None if error is not None else self._exchange(job, time.monotonic()))
                if answer is _LOST or error is not None:
                    self._stop(graceful=False)
                    pool._count("crashed")
                    _fail(job, RenderWorkerFailed("the render worker died"))
                    answer = None
        finally:
            with pool._cond:
                self.job = None
        if answer is None:
            return
        self.renders += 1
        seconds = time.monotonic() - started
        if answer[0] == "memory":
            pool._count("over_memory")
            self._stop(graceful=False)
            _fail(job, RenderMemoryLimit(job.lines, _mib(limits.memory_limit)))
            return
        if lent:
            pool._count("pieces_lent")
        else:
            pool._count("rendered", seconds, job.lines)
        try:
            job.future.set_result(_unpack(answer))
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            if isinstance(error, RenderWorkerFailed):
                pool._count("crashed")
            job.future.set_exception(error)
        rss = _rss(self.pid)
        pool._observe(rss)
        if ((limits.recycle_after and self.renders >= limits.recycle_after)
                or rss > limits.recycle_rss):
            pool._count("recycled")
            self._stop(graceful=True)

    def _exchange(self, job: RenderJob, started: float) -> tuple[Any, ...] | None:
        """Send the work and wait for the answer while watching time, memory and the caller.
        None: the worker was stopped and the job has its error; `_LOST`: the worker died."""
        pool, limits = self.pool, self.pool.limits
        if self.conn is None:
            return _LOST
        work = job.work
        if isinstance(work, _Work) and work.kind == "pdf":
            with pool._cond:
                idle = pool._idle_sibling(self, waiting=False) is not None
                work = replace(work, sibling_idle=idle)
        try:
            self.conn.send(work)
        except (OSError, ValueError):
            return _LOST
        deadline = started + WALL_CLOCK_FACTOR * job.time_limit
        cpu_before = _cpu_seconds(self.pid)
        piece: RenderJob | None = None  # lent to a sibling, its answer not yet sent down
        while True:
            try:
                if piece is not None:
                    wait_for_futures([piece.future], CHECK_INTERVAL)
                    if piece.future.done():
                        failed = piece.future.cancelled() or piece.future.exception()
                        self.conn.send(("piece", None if failed else piece.future.result()))
                        piece = None
                if self.conn.poll(0 if piece is not None else CHECK_INTERVAL):
                    answer = self.conn.recv()
                    if answer[0] != "piece":
                        return answer  # type: ignore[no-any-return]
                    piece = pool._lend(self, answer[1], job.time_limit)
                    if piece is None:  # no sibling idle now: the worker lays it out alone
                        self.conn.send(("piece", None))
            except (EOFError, OSError, ValueError):
                return _LOST
            rss = _rss(self.pid)
            pool._observe(rss)
            if rss > limits.memory_limit:
                log.warning("render worker %d passed the memory ceiling (%s); replacing it",
                            self.pid, _mib(rss))
                self._stop(graceful=False)
                pool._count("over_memory")
                _fail(job, RenderMemoryLimit(job.lines, _mib(limits.memory_limit)))
                return None
            if (_cpu_seconds(self.pid) - cpu_before > job.time_limit
                    or time.monotonic() > deadline):
                log.warning("a render passed the time limit (%g s); replacing worker %d",
                            job.time_limit, self.pid)
                self._stop(graceful=False)
                pool._count("timed_out")
                _fail(job, RenderTimeLimit(job.lines, f"{job.time_limit:g} s of CPU time"))
                return None
            if job.abandoned:
                self._stop(graceful=False)
                pool._count("cancelled")
                _fail(job, RenderCancelled("the render was cancelled"))
                return None

    def _stop(self, *, graceful: bool) -> None:
        process, conn = self.process, self.conn
        self.process, self.conn = None, None
        with self.pool._cond:
            self.pid = 0
        if process is None:
            return
        if graceful and conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            process.join(timeout=2)
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        if conn is not None:
            conn.close()


def _mib(size: int) -> str:
    return f"{size / MiB:.0f} MiB"


class PoolRenderer:
    """`Renderer.render` over the pool: what `Issuer` and the batch engine call.

    Waits (up to the time limit) for a place in the queue instead of refusing: callers that
    can be refused check `pool.check_capacity()` before they start.
    """

    def __init__(self, pool: RenderPool, *, priority: Priority = INTERACTIVE,
                 workers: int | None = None) -> None:
        self.pool = pool
        self.priority = priority
        self.workers = workers or pool.workers

    def render(self, invoice: Invoice | ComputedInvoice, settings: Settings, *,
               draft: bool = False, pdf_variant: PdfVariant = None,
               attachments: Sequence[EmbeddedFile] = ()) -> tuple[InvoiceView, bytes]:
        """Build the view and the PDF in a worker; blocks this thread until they are back."""
        job = self.pool.submit(invoice, settings, draft=draft, pdf_variant=pdf_variant,
                               attachments=attachments, priority=self.priority,
                               wait=WALL_CLOCK_FACTOR * self.pool.limits.time_limit)
        view, pdf = self.pool.result(job)
        return view, pdf

    def worker_pids(self) -> tuple[int, ...]:
        return self.pool.stats().worker_pids

    def close(self) -> None:
        """Nothing to close: the pool belongs to whoever created it."""
