"""Batches on Celery workers: rendering fanned out to any number of machines, posting in
chunks on a lane of its own.

Chosen by `broker_url` in the settings (Redis or RabbitMQ); without it batches use local
processes (`issuing.batch.ProcessRenderer`). Two kinds of queue:

* `<namespace>.render`, shared by every tenant: render one invoice (no side effects);
* `<namespace>.post.<tenant>`, one per tenant: post a chunk of invoices through the posting
  engine's bulk path (one posting lock, the chunk's orders in one Uniconta call and their
  lines in one more, then one posting each: what the local batch does), carrying the
  archived marks of the invoices finished since the last chunk; or post one invoice. A
  tenant's postings are also serialised by the ledger's posting lock (a PostgreSQL advisory
  lock), so however many workers consume the queue, one tenant posts one chunk at a time
  while other tenants post in parallel on their own queues.

A worker (`faktura worker`) runs two lanes, each a Celery worker process of its own: the
render lane (a prefork pool, one warm `Renderer` per process, the only processes that load
WeasyPrint) consumes the render queue, and the posting lane (a thread per tenant) consumes
the posting queues. Postings never wait behind renders in a shared pool slot, and a posting
process holds no renderer.

The batch itself runs where it was started (`faktura batch`, the API): `run_bulk_batch` with
a `QueuePoster` and a `QueueRenderer`, so progress, results, resuming and the archive write
are exactly as with local processes; its issuer comes from `issuing.bootstrap` like every
other. While a chunk posts, the worker sends the invoices' outcomes as they are known (progress
messages on backends that carry them: Redis, RPC), so their renders start while the rest of
the chunk posts: the first at once, then at most one message per `PROGRESS_EVERY` with the
outcomes known since the last (one waits at most until the posting after it), and the rest
with the answer. Workers hold the settings themselves (`faktura worker --settings`):
messages carry the tenant and the invoice, never a password. A render message also carries
a fingerprint of the settings that shape the PDF, and a worker whose settings differ
refuses it.

Faults: tasks are acknowledged only after they ran and are requeued when a worker dies
mid-task. The caller waits until `task_timeout` seconds pass without a word from the worker
and then sends the task again (also after losing the broker connection): rendering has no
side effects, and posting is exactly-once through the ledger (a second post of an invoice
returns the first posting), so a repeated message can never post twice. Archived marks are
records of a fact (idempotent); one lost with its message is recorded again when the
invoice is next met (`Issuer.issue` marks an archived invoice it finds).

Documents stay out of logs and out of the result store: a worker logs that a task succeeded,
never what it returned (`quiet_worker_logs`); a message shows no arguments (`argsrepr`); and
the caller deletes each answer from the result backend as soon as it has read it, while an
answer nobody read (after a time-out) expires after `RESULT_TTL_FACTOR × task_timeout`.
A rendered PDF travels back as the task's answer because the batch process writes the
archive (its index, seal and automatic delivery in one place, as in a local batch): one
write and one read in the result backend, deleted at once, against a staging object's write,
read and delete in the bucket.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from celery import Celery

from faktura.computed import ComputedInvoice
from faktura.errors import ContentChanged, FakturaError, InvalidInput, Problem
from faktura.model import Invoice, invoice_json
from faktura.settings import Settings
from renderer.embedded import EmbeddedFile
from sync.posting.answer import Posting

log = logging.getLogger(__name__)

RENDER_TASK = "faktura.render"
POST_TASK = "faktura.post"
POST_CHUNK_TASK = "faktura.post_chunk"
ARCHIVED_TASK = "faktura.archived"
MAX_ATTEMPTS = 5
#: An answer nobody fetched is kept this many task time-outs in the result backend.
RESULT_TTL_FACTOR = 4
#: What a task message shows of its arguments (they hold invoices and documents).
ARGS_SHOWN = "(not shown: invoice data)"
#: The state of a posting chunk's progress messages (the outcomes known since the last one).
POSTED_ONE = "POSTED_ONE"
#: A posting chunk's progress messages go at most this many seconds apart (the first at once):
#: while postings come faster than that, one message carries several outcomes instead of a
#: result-backend write, a publish and the caller's read per invoice.
PROGRESS_EVERY = 0.05


class QuietTaskResults(logging.Filter):
    """Celery's "Task … succeeded in … s: <return value>" without the return value (a render
    returns the PDF, a posting Uniconta's PDF)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and "return_value" in record.args:
            record.args = {**record.args, "return_value": "(not logged)"}
        return True


def quiet_worker_logs() -> None:
    """Keep task results out of Celery's log in this process, and the font subsetter's
    glyph lists (thousands of characters per render at INFO) too (idempotent)."""
    trace_log = logging.getLogger("celery.app.trace")
    if not any(isinstance(f, QuietTaskResults) for f in trace_log.filters):
        trace_log.addFilter(QuietTaskResults())
    logging.getLogger("fontTools").setLevel(logging.WARNING)


# -- the Celery application ----------------------------------------------------------------------


def render_queue(namespace: str) -> str:
    return f"{namespace}.render"


def post_queue(namespace: str, tenant: str) -> str:
    return f"{namespace}.post.{tenant}"


def make_app(settings: Settings) -> Celery:
    """The Celery application for the settings' broker, with the batch tasks registered
    (`TASKS`); other modules register theirs on the returned app with `app.task`."""
    if settings.broker_url is None:
        raise FakturaError("broker_url is not set: batches run in local processes")
    broker = settings.broker_url.get_secret_value()
    backend = (settings.result_backend.get_secret_value() if settings.result_backend
               else broker if broker.startswith(("redis://", "rediss://")) else "rpc://")
    app = Celery("faktura", broker=broker, backend=backend, set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True,  # a task is acknowledged only after it ran ...
        task_reject_on_worker_lost=True,  # ... and requeued when its worker dies
        worker_prefetch_multiplier=1,
        task_default_queue=render_queue(settings.queue_namespace),
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 4 * settings.task_timeout},
        result_expires=RESULT_TTL_FACTOR * settings.task_timeout,
        worker_hijack_root_logger=False,
        worker_proc_alive_timeout=120,  # a render process warms up before it says it is up
    )
    quiet_worker_logs()
    for name, function, options in TASKS:
        app.task(name=name, **options)(function)
    return app


# -- on the worker -------------------------------------------------------------------------------


class WorkerState:
    """What a worker process holds: the tenants' settings, one renderer (render lane), one
    engine per tenant (posting lane; `open_engine` is the composition root's), used by one
    task at a time per tenant."""

    def __init__(self, settings: dict[str, Settings],
                 open_engine: Callable[[Settings], AbstractContextManager[Any]]) -> None:
        self.settings = settings
        self._open_engine = open_engine
        self._renderer: Any = None
        self._engines: dict[str, Any] = {}
        self._tenant_locks = {tenant: threading.Lock() for tenant in settings}
        self._guard = threading.Lock()
        self._stack = ExitStack()

    def tenant(self, tenant: str) -> Settings:
        try:
            return self.settings[tenant]
        except KeyError:
            raise FakturaError(f"this worker has no settings for tenant {tenant!r}") from None

    def renderer(self) -> Any:
        if self._renderer is None:
            from renderer.render import Renderer

            self._renderer = Renderer()
        return self._renderer

    def warm_up(self) -> None:
        """Build the renderer and render one small invoice per tenant, so that the first
        invoice of a batch finds fonts, stylesheet, templates and each seller's sheet ready."""
        renderer = self.renderer()
        renderer.warm_up()
        for settings in self.settings.values():
            try:
                renderer.render(_warm_up_invoice(settings), settings, pdf_variant="pdf/a-3b")
            except Exception as error:  # noqa: BLE001 - the batch's render will say it clearly
                log.warning("warm-up render for tenant %s failed: %s", settings.tenant,
                            type(error).__name__)

    @contextmanager
    def posting(self, tenant: str) -> Iterator[Any]:
        """The tenant's posting engine, held for one task: tasks of one tenant run one at a
        time in this process (the engine is built by the composition root on first use)."""
        settings = self.tenant(tenant)
        with self._tenant_locks[tenant]:
            with self._guard:
                if tenant not in self._engines:
                    self._engines[tenant] = self._stack.enter_context(
                        self._open_engine(settings))
            yield self._engines[tenant]

    def close(self) -> None:
        self._stack.close()
        self._engines.clear()


def _warm_up_invoice(settings: Settings) -> ComputedInvoice:
    """A one-line invoice from the tenant's own seller, numbered, as a batch renders it."""
    from datetime import date

    from faktura.computed import compute

    invoice = Invoice.model_validate({
        "source_id": "warm-up", "issue_date": date.today().isoformat(),
        "customer": {"source_id": "warm-up", "customer_number": "1", "name": "Varm op ApS",
                     "address": {"line1": "Vej 1", "post_code": "8000", "city": "Aarhus C"}},
        "lines": [{"text": "Opvarmning", "quantity": "1", "unit": "stk.",
                   "unit_price": "100.00"}]})
    return compute(invoice, settings).numbered("1", settings)


_state: WorkerState | None = None


def install(state: WorkerState) -> None:
    """Give this worker process its settings (before the worker starts)."""
    global _state
    _state = state


def _worker() -> WorkerState:
    if _state is None:
        raise FakturaError("not a Faktura worker (start it with `faktura worker`)")
    return _state


def _error(error: FakturaError) -> dict[str, Any]:
    """An expected error as data (it carries fields and problems)."""
    if isinstance(error, InvalidInput):
        return {"error": "invalid", "source": error.source,
                "problems": [[p.field, p.message] for p in error.problems]}
    if isinstance(error, ContentChanged):
        return {"error": "content_changed", "message": str(error)}
    return {"error": "failed", "message": str(error)}


def _answer(work: Callable[[], Any]) -> dict[str, Any]:
    """Run a task's work; expected errors come back as data."""
    try:
        return {"ok": work()}
    except FakturaError as error:
        return _error(error)


def _render_task(tenant: str, invoice: str, fingerprint: str, draft: bool,
                 pdf_variant: str | None,
                 attachments: list[dict[str, str]] | None = None) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        settings = _worker().tenant(tenant)
        if render_fingerprint(settings) != fingerprint:
            raise FakturaError(f"this worker's settings for tenant {tenant!r} differ from the"
                               " batch's (seller, layout or integration): start every worker"
                               " with the same settings")
        view, pdf = _worker().renderer().render(Invoice.model_validate_json(invoice), settings,
                                                draft=draft, pdf_variant=pdf_variant,
                                                attachments=_embedded(attachments or []))
        code_line = view.fi_slip.code_line if view.fi_slip else None
        return {"pdf": base64.b64encode(pdf).decode("ascii"), "code_line": code_line}
    return _answer(work)


def _wire_files(files: Sequence[EmbeddedFile]) -> list[dict[str, str]]:
    """Files a PDF carries, as a task's JSON arguments."""
    return [{"filename": f.filename, "data": base64.b64encode(f.data).decode("ascii"),
             "description": f.description, "relationship": f.relationship} for f in files]


def _embedded(wired: list[dict[str, str]]) -> list[EmbeddedFile]:
    return [EmbeddedFile(f["filename"], base64.b64decode(f["data"]), f["description"],
                         f["relationship"]) for f in wired]  # type: ignore[arg-type]


def _wire_posting(posting: Posting) -> dict[str, Any]:
    pdf = posting.uniconta_pdf
    return {"invoice_number": posting.invoice_number, "voucher": posting.voucher,
            "journal_posted_id": posting.journal_posted_id,
            "uniconta_pdf": base64.b64encode(pdf).decode("ascii") if pdf else None}


def _posting(answer: dict[str, Any]) -> Posting:
    pdf = answer["uniconta_pdf"]
    return Posting(invoice_number=answer["invoice_number"], voucher=answer["voucher"],
                   journal_posted_id=answer["journal_posted_id"],
                   uniconta_pdf=base64.b64decode(pdf) if pdf else None)


def _post_task(tenant: str, invoice: str) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        with _worker().posting(tenant) as engine:
            return _wire_posting(engine.post(Invoice.model_validate_json(invoice)))
    return _answer(work)


def _post_chunk_task(task: Any, tenant: str, invoices: list[str],
                     archived: list[list[str | None]]) -> dict[str, Any]:
    """Record the archived marks, then post the chunk in bulk; the invoices' outcomes are sent
    in progress messages as they are known (`PROGRESS_EVERY`), and all of them are the
    answer."""
    def work() -> list[dict[str, Any]]:
        outcomes: list[dict[str, Any]] = []
        unsent: list[dict[str, Any]] = []
        last_sent = -PROGRESS_EVERY

        def posted(position: int, outcome: Posting | FakturaError) -> None:
            nonlocal unsent, last_sent
            wired = ({"ok": _wire_posting(outcome)} if isinstance(outcome, Posting)
                     else _error(outcome))
            outcomes.append(wired)
            unsent.append({"position": position, "outcome": wired})
            now = time.monotonic()
            if task.request.id is not None and now - last_sent >= PROGRESS_EVERY:
                task.update_state(state=POSTED_ONE, meta={"outcomes": unsent})
                unsent, last_sent = [], now

        with _worker().posting(tenant) as engine:
            if archived:
                engine.mark_archived_many([tuple(mark) for mark in archived])
            engine.post_many([Invoice.model_validate_json(i) for i in invoices], posted)
        return outcomes
    return _answer(work)


def _archived_task(tenant: str, archived: list[list[str | None]]) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        with _worker().posting(tenant) as engine:
            engine.mark_archived_many([tuple(mark) for mark in archived])
        return {}
    return _answer(work)


#: The batch tasks: (name, function, options for `app.task`).
TASKS: tuple[tuple[str, Callable[..., Any], dict[str, Any]], ...] = (
    (RENDER_TASK, _render_task, {}),
    (POST_TASK, _post_task, {}),
    (POST_CHUNK_TASK, _post_chunk_task, {"bind": True}),
    (ARCHIVED_TASK, _archived_task, {}),
)


# -- where the batch runs ------------------------------------------------------------------------


def render_fingerprint(settings: Settings) -> str:
    """A hash of the settings that shape a PDF (paths and secrets left out)."""
    facts = {
        "integration": settings.integration.model_dump(mode="json", exclude={"password"}),
        "seller": settings.seller.model_dump(mode="json", exclude={"logo"}),
        "layout": settings.layout.model_dump(mode="json"),
        "tenant": settings.tenant,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


ProgressCallback = Callable[[dict[str, Any]], None]


class QueueClient:
    """Sends a task and waits for its answer, sending it again after `timeout` seconds without
    a word from the worker, or after a lost broker."""

    def __init__(self, app: Celery, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    def call(self, name: str, queue: str, *args: Any,
             on_progress: ProgressCallback | None = None) -> Any:
        """The task's answer; `on_progress(meta)` gets each progress message it sends (on
        backends that carry them; elsewhere only the answer comes)."""
        last: Exception | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                result = self.app.send_task(name, args=args, queue=queue, retry=True,
                                            retry_policy=_SEND_RETRY, argsrepr=ARGS_SHOWN,
                                            kwargsrepr="{}")
                answer: dict[str, Any] = self._wait(result, on_progress)
                _forget(result)
            except Exception as error:  # noqa: BLE001 - timeout, broker or backend lost
                last = error
                log.warning("%s on %s: no answer (attempt %d: %s); sending it again",
                            name, queue, attempt, type(error).__name__)
                time.sleep(min(attempt, 3))
                continue
            return _unwrap(answer)
        raise FakturaError(f"no worker answered {name} on queue {queue} after {MAX_ATTEMPTS}"
                           f" attempts ({type(last).__name__}); are `faktura worker`s running?")

    def _wait(self, result: Any, on_progress: ProgressCallback | None) -> dict[str, Any]:
        if on_progress is None or not self.app.backend.is_async:
            answer: dict[str, Any] = result.get(timeout=self.timeout,
                                                disable_sync_subtasks=False)
            return answer
        from celery.exceptions import TimeoutError as NoAnswer

        heard = False

        def on_message(meta: dict[str, Any]) -> None:
            nonlocal heard
            if meta.get("status") == POSTED_ONE:
                heard = True
                on_progress(meta["result"])

        while True:
            heard = False
            try:
                answer = result.get(timeout=self.timeout, disable_sync_subtasks=False,
                                    on_message=on_message)
                return answer
            except NoAnswer:
                if not heard:
                    raise  # silent for a whole time-out: send it again


def _forget(result: Any) -> None:
    """Delete a read answer from the result backend (it may hold a whole PDF)."""
    try:
        result.forget()
    except Exception as error:  # noqa: BLE001 - it expires anyway (`result_expires`)
        log.debug("could not delete a task result: %s", type(error).__name__)


_SEND_RETRY = {"max_retries": 20, "interval_start": 0.5, "interval_step": 1, "interval_max": 3}


def _unwrap(answer: dict[str, Any]) -> Any:
    kind = answer.get("error")
    if kind is None:
        return answer["ok"]
    raise _raised(answer)


def _raised(answer: dict[str, Any]) -> FakturaError:
    kind = answer["error"]
    if kind == "invalid":
        return InvalidInput(answer["source"], [Problem(f, m) for f, m in answer["problems"]])
    if kind == "content_changed":
        return ContentChanged(answer["message"])
    return FakturaError(answer["message"])


@dataclass(frozen=True)
class _Slip:
    code_line: str


@dataclass(frozen=True)
class RemoteView:
    """What the issuing pipeline reads of a PDF rendered on a worker: its FI code line."""

    fi_slip: _Slip | None


def _wire(invoice: Invoice | ComputedInvoice) -> str:
    """What a task carries: the source invoice. A worker computes it again from the same
    settings (their fingerprint is checked), which gives the same computed invoice."""
    return invoice_json(invoice.invoice if isinstance(invoice, ComputedInvoice) else invoice)


class QueueRenderer:
    """A `Renderer` look-alike whose `render` runs on a worker (`workers`: renders in flight)."""

    def __init__(self, client: QueueClient, settings: Settings, workers: int) -> None:
        self.client = client
        self.queue = render_queue(settings.queue_namespace)
        self.workers = workers

    def render(self, invoice: Invoice | ComputedInvoice, settings: Settings, *,
               draft: bool = False, pdf_variant: str | None = None,
               attachments: Sequence[EmbeddedFile] = ()) -> tuple[RemoteView, bytes]:
        answer = self.client.call(RENDER_TASK, self.queue, settings.tenant, _wire(invoice),
                                  render_fingerprint(settings), draft, pdf_variant,
                                  _wire_files(attachments))
        code_line = answer["code_line"]
        return (RemoteView(_Slip(code_line) if code_line else None),
                base64.b64decode(answer["pdf"]))


class QueuePoster:
    """A `BulkPoster` whose calls run on the tenant's posting queue. Archived marks are
    gathered here and recorded with the next chunk's posting, or by `flush`."""

    def __init__(self, client: QueueClient, settings: Settings) -> None:
        # Not `client`: that name is a Uniconta client's (the batch's setup check asks the
        # poster for one, and the workers hold it, not this poster).
        self.tasks = client
        self.tenant = settings.tenant
        self.queue = post_queue(settings.queue_namespace, settings.tenant)
        self._archived: list[list[str | None]] = []
        self._lock = threading.Lock()

    def post(self, invoice: Invoice | ComputedInvoice) -> Posting:
        return _posting(self.tasks.call(POST_TASK, self.queue, self.tenant, _wire(invoice)))

    def post_many(self, invoices: Sequence[Invoice | ComputedInvoice],
                  on_posted: Callable[[int, Posting | FakturaError], None] | None = None,
                  ) -> list[Posting | FakturaError]:
        """The chunk posted by one task; `on_posted` gets each invoice's outcome once, as
        the worker reports it."""
        told: set[int] = set()

        def tell(position: int, wired: dict[str, Any]) -> Posting | FakturaError:
            outcome = (_posting(wired["ok"]) if wired.get("error") is None
                       else _raised(wired))
            if on_posted is not None and position not in told:
                told.add(position)
                on_posted(position, outcome)
            return outcome

        def progress(meta: dict[str, Any]) -> None:
            for one in meta.get("outcomes", [meta]):  # a worker of a release before: one each
                tell(one["position"], one["outcome"])

        archived = self._take_archived()
        try:
            answers = self.tasks.call(
                POST_CHUNK_TASK, self.queue, self.tenant, [_wire(i) for i in invoices],
                archived, on_progress=progress)
        except BaseException:
            self._give_back(archived)
            raise
        return [tell(position, wired) for position, wired in enumerate(answers)]

    def mark_archived(self, invoice: Invoice | ComputedInvoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        source = invoice.invoice if isinstance(invoice, ComputedInvoice) else invoice
        with self._lock:
            self._archived.append([source.source_id, invoice_number, pdf_sha256])

    def flush(self) -> None:
        """Record the archived marks not sent yet (one task)."""
        archived = self._take_archived()
        if not archived:
            return
        try:
            self.tasks.call(ARCHIVED_TASK, self.queue, self.tenant, archived)
        except BaseException:
            self._give_back(archived)
            raise

    def _take_archived(self) -> list[list[str | None]]:
        with self._lock:
            taken, self._archived = self._archived, []
        return taken

    def _give_back(self, archived: list[list[str | None]]) -> None:
        with self._lock:
            self._archived[:0] = archived


#: Renders in flight when a batch runs on workers and `--workers` is not given.
DEFAULT_IN_FLIGHT = 8


@dataclass
class QueueTransport:
    """The batch's side of the queue: the app, the poster and the renderer over it."""

    app: Celery
    poster: QueuePoster
    renderer: QueueRenderer

    def close(self) -> None:
        """Record the remaining archived marks, then let go of the broker."""
        try:
            self.poster.flush()
        except FakturaError as error:  # the next batch records them (they are idempotent)
            log.warning("archived marks not recorded: %s", error)
        finally:
            self.app.close()


def open_queue_transport(settings: Settings, in_flight: int | None = None) -> QueueTransport:
    """Posting and rendering through the workers, for the batch's issuer (close it after)."""
    app = make_app(settings)
    client = QueueClient(app, settings.task_timeout)
    return QueueTransport(app, QueuePoster(client, settings),
                          QueueRenderer(client, settings, in_flight or DEFAULT_IN_FLIGHT))
