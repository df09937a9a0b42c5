"""Batches on Celery workers: rendering fanned out to any number of machines, posting one at a
time per tenant.

Chosen by `broker_url` in the settings (Redis or RabbitMQ); without it batches use local
processes (`issuing.batch.ProcessRenderer`). Two kinds of queue:

* `<namespace>.render`, shared by every tenant: render one invoice (no side effects);
* `<namespace>.post.<tenant>`, one per tenant: post one invoice to Uniconta, or record it
  archived. A tenant's postings are also serialised by the ledger's posting lock (a
  PostgreSQL advisory lock), so however many workers consume the queue, one tenant posts one
  invoice at a time while other tenants post in parallel on their own queues.

The batch itself runs where it was started (`faktura batch`, the API): `run_batch` with a
`QueuePoster` and a `QueueRenderer`, so progress, results, resuming and the archive write are
exactly as with local processes. Workers hold the settings themselves (`faktura worker
--settings`): messages carry the tenant and the invoice, never a password. A render message
also carries a fingerprint of the settings that shape the PDF, and a worker whose settings
differ refuses it.

Faults: tasks are acknowledged only after they ran and are requeued when a worker dies
mid-task. The caller waits `task_timeout` seconds for an answer and then sends the task again
(also after losing the broker connection): rendering has no side effects, and posting is
exactly-once through the ledger (a second post of an invoice returns the first posting), so a
repeated message can never post twice.

Documents stay out of logs and out of the result store: a worker logs that a task succeeded,
never what it returned (`quiet_worker_logs`); a message shows no arguments (`argsrepr`); and
the caller deletes each answer from the result backend as soon as it has read it, while an
answer nobody read (after a time-out) expires after `RESULT_TTL_FACTOR × task_timeout`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from celery import Celery

from faktura.computed import ComputedInvoice
from faktura.errors import ContentChanged, FakturaError, InvalidInput, Problem
from faktura.model import Invoice, invoice_json
from sync.posting.answer import Posting
from faktura.settings import Settings
from issuing.pipeline import Issuer
from renderer.render import EmbeddedFile

log = logging.getLogger(__name__)

RENDER_TASK = "faktura.render"
POST_TASK = "faktura.post"
ARCHIVED_TASK = "faktura.mark_archived"
MAX_ATTEMPTS = 5
#: An answer nobody fetched is kept this many task time-outs in the result backend.
RESULT_TTL_FACTOR = 4
#: What a task message shows of its arguments (they hold invoices and documents).
ARGS_SHOWN = "(not shown: invoice data)"


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
    """The Celery application for the settings' broker (tasks registered)."""
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
    )
    quiet_worker_logs()
    app.task(name=RENDER_TASK)(_render_task)
    app.task(name=POST_TASK)(_post_task)
    app.task(name=ARCHIVED_TASK)(_archived_task)
    return app


# -- on the worker -------------------------------------------------------------------------------


class WorkerState:
    """What a worker process holds: the tenants' settings, one renderer, one engine per tenant."""

    def __init__(self, settings: dict[str, Settings]) -> None:
        self.settings = settings
        self._renderer: Any = None
        self._engines: dict[str, Any] = {}
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

    def engine(self, tenant: str) -> Any:
        """The tenant's posting engine, built by the composition root on first use."""
        if tenant not in self._engines:
            from issuing.bootstrap import open_engine

            self._engines[tenant] = self._stack.enter_context(open_engine(self.tenant(tenant)))
        return self._engines[tenant]

    def close(self) -> None:
        self._stack.close()
        self._engines.clear()


_state: WorkerState | None = None


def install(state: WorkerState) -> None:
    """Give this worker process its settings (before the worker starts)."""
    global _state
    _state = state


def _worker() -> WorkerState:
    if _state is None:
        raise FakturaError("not a Faktura worker (start it with `faktura worker`)")
    return _state


def _answer(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a task's work; expected errors come back as data (they carry fields and problems)."""
    try:
        return {"ok": work()}
    except InvalidInput as error:
        return {"error": "invalid", "source": error.source,
                "problems": [[p.field, p.message] for p in error.problems]}
    except ContentChanged as error:
        return {"error": "content_changed", "message": str(error)}
    except FakturaError as error:
        return {"error": "failed", "message": str(error)}


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


def _post_task(tenant: str, invoice: str) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        posting = _worker().engine(tenant).post(Invoice.model_validate_json(invoice))
        pdf = posting.uniconta_pdf
        return {"invoice_number": posting.invoice_number, "voucher": posting.voucher,
                "journal_posted_id": posting.journal_posted_id,
                "uniconta_pdf": base64.b64encode(pdf).decode("ascii") if pdf else None}
    return _answer(work)


def _archived_task(tenant: str, invoice: str, invoice_number: str,
                   pdf_sha256: str | None) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        _worker().engine(tenant).mark_archived(Invoice.model_validate_json(invoice),
                                               invoice_number, pdf_sha256)
        return {}
    return _answer(work)


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


class QueueClient:
    """Sends a task and waits for its answer, sending it again after a timeout or lost broker."""

    def __init__(self, app: Celery, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    def call(self, name: str, queue: str, *args: Any) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                result = self.app.send_task(name, args=args, queue=queue, retry=True,
                                            retry_policy=_SEND_RETRY, argsrepr=ARGS_SHOWN,
                                            kwargsrepr="{}")
                answer: dict[str, Any] = result.get(timeout=self.timeout,
                                                    disable_sync_subtasks=False)
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


def _forget(result: Any) -> None:
    """Delete a read answer from the result backend (it may hold a whole PDF)."""
    try:
        result.forget()
    except Exception as error:  # noqa: BLE001 - it expires anyway (`result_expires`)
        log.debug("could not delete a task result: %s", type(error).__name__)


_SEND_RETRY = {"max_retries": 20, "interval_start": 0.5, "interval_step": 1, "interval_max": 3}


def _unwrap(answer: dict[str, Any]) -> dict[str, Any]:
    kind = answer.get("error")
    if kind is None:
        ok: dict[str, Any] = answer["ok"]
        return ok
    if kind == "invalid":
        raise InvalidInput(answer["source"], [Problem(f, m) for f, m in answer["problems"]])
    if kind == "content_changed":
        raise ContentChanged(answer["message"])
    raise FakturaError(answer["message"])


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
    """A `Poster` whose calls run on the tenant's posting queue."""

    def __init__(self, client: QueueClient, settings: Settings) -> None:
        # Not `client`: that name is a Uniconta client's (the batch's setup check asks the
        # poster for one, and the workers hold it, not this poster).
        self.tasks = client
        self.tenant = settings.tenant
        self.queue = post_queue(settings.queue_namespace, settings.tenant)

    def post(self, invoice: Invoice | ComputedInvoice) -> Posting:
        answer = self.tasks.call(POST_TASK, self.queue, self.tenant, _wire(invoice))
        pdf = answer["uniconta_pdf"]
        return Posting(invoice_number=answer["invoice_number"], voucher=answer["voucher"],
                       journal_posted_id=answer["journal_posted_id"],
                       uniconta_pdf=base64.b64decode(pdf) if pdf else None)

    def mark_archived(self, invoice: Invoice | ComputedInvoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        self.tasks.call(ARCHIVED_TASK, self.queue, self.tenant, _wire(invoice),
                        invoice_number, pdf_sha256)


#: Renders in flight when a batch runs on workers and `--workers` is not given.
DEFAULT_IN_FLIGHT = 8


@contextmanager
def open_queue_issuer(settings: Settings,
                      in_flight: int | None = None) -> Iterator[tuple[Issuer, QueueRenderer]]:
    """An Issuer that posts and renders through the workers, and its renderer (for
    `run_batch`); the archive is opened here, where the batch runs."""
    from issuing.bootstrap import open_issuing_archive

    app = make_app(settings)
    client = QueueClient(app, settings.task_timeout)
    renderer = QueueRenderer(client, settings, in_flight or DEFAULT_IN_FLIGHT)
    try:
        with open_issuing_archive(settings) as archive:  # e-mails them when automatic
            yield Issuer(settings, poster=QueuePoster(client, settings), archive=archive,
                         renderer=renderer), renderer  # type: ignore[arg-type]
    finally:
        app.close()
