"""`POST /v1/batches`, `GET /v1/batches` (the batches kept, newest first, with counts and
failures), `GET /v1/batches/{id}`, `GET /v1/batches/{id}/pdf`.

A batch is accepted at once (202) and issued in the background; every invoice is validated
on its own, so a bad one is reported in the results and the others are issued.

A tenant's batch store is bounded (`api.batch_quota`): a batch over the quota is refused with
429 (the caller's own usage, and it passes: `Retry-After` says when the oldest finished batch
expires; 507 would tell clients the server is failing). A finished batch is kept for a while
and then deleted without a trace, so asking for it afterwards is a 404 like an unknown id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.batch_quota import BatchQuotaExceeded
from api.batches import BATCH_ID_PATTERN, BatchRecord
from api.body import read_json
from api.deps import State, Tenant
from api.openapi import BATCH_BODY, MAX_BATCH_INVOICES, PROBLEM_RESPONSES, problem_doc, problems
from api.problems import ApiProblem
from api.schemas import BatchAccepted, BatchFailure, BatchListOut, BatchSummary
from api.tenants import TenantServices
from faktura.errors import Problem
from issuing.batch import print_file

router = APIRouter(tags=["batches"])

MAX_INVOICES = MAX_BATCH_INVOICES
BatchId = Annotated[str, Path(pattern=BATCH_ID_PATTERN, description="The batch id")]


@router.post(
    "/v1/batches",
    status_code=202,
    response_model=BatchAccepted,
    summary="Issue many invoices in the background",
    responses={**PROBLEM_RESPONSES, 429: problem_doc(
        "The tenant's batch quota is full (`quota` names it: `max_batches` or `max_bytes`;"
        " `limit`, `used`); nothing was stored. `Retry-After` (seconds), when present, is when"
        " the oldest finished batch expires", 429)},
    openapi_extra=BATCH_BODY,
)
async def submit_batch(request: Request, response: Response, services: Tenant,
                       state: State) -> BatchAccepted:
    """Accept `{"invoices": [...]}` and issue them; poll the status URL for progress."""
    data = await read_json(request)
    invoices = data.get("invoices") if isinstance(data, dict) else None
    if not isinstance(invoices, list) or not invoices:
        raise ApiProblem(422, "the body must be {\"invoices\": [ ... ]} with at least one"
                         " invoice", errors=[Problem("invoices", "must be a non-empty list")])
    if len(invoices) > MAX_INVOICES:
        raise ApiProblem(422, "too many invoices in one batch", errors=[Problem(
            "invoices", f"at most {MAX_INVOICES} invoices per batch")])
    try:
        record = await run_in_threadpool(state.batches.submit, services, invoices)
    except BatchQuotaExceeded as error:
        headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
        raise ApiProblem(429, f"the batch quota is full: {error.message}", slug="batch-quota",
                         headers=headers, errors=[Problem(error.quota, error.message)],
                         extra={"quota": error.quota, "limit": error.limit,
                                "used": error.used}) from None
    response.headers["Location"] = f"/v1/batches/{record.id}"
    return BatchAccepted(id=record.id, status=record.status, total=record.total,
                         status_url=f"/v1/batches/{record.id}",
                         pdf_url=f"/v1/batches/{record.id}/pdf")


@router.get("/v1/batches", response_model=BatchListOut, summary="The batches kept",
            responses=problems(422))
def list_batches(
    services: Tenant, state: State,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many batches")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many")] = 0,
) -> BatchListOut:
    """Past and running batches, newest first: counts, and each failed invoice's errors."""
    records = state.batches.list(services)
    items = [BatchSummary(
        id=r.id, status=r.status, created_at=r.created_at, finished_at=r.finished_at,
        total=r.total, done=r.done, issued=r.issued, already_issued=r.already_issued,
        failed=r.failed, error=r.error, status_url=f"/v1/batches/{r.id}",
        failures=[BatchFailure(index=x.index, name=x.name, source_id=x.source_id,
                               errors=x.errors) for x in r.results if x.outcome == "failed"])
        for r in records[offset:offset + limit]]
    return BatchListOut(items=items, limit=limit, offset=offset, total=len(records))


def _record(state: State, services: TenantServices, batch_id: str) -> BatchRecord:
    record = state.batches.get(services, batch_id)
    if record is None:
        raise ApiProblem(404, "no such batch")
    return record


@router.get("/v1/batches/{batch_id}", response_model=BatchRecord,
            summary="A batch's progress and results",
            responses={404: problem_doc("No such batch (for this tenant), or it finished"
                                        " longer ago than batches are kept"), **problems(422)})
def get_batch(batch_id: BatchId, services: Tenant, state: State) -> BatchRecord:
    """Progress (`done` of `total`) and each invoice's result so far."""
    return _record(state, services, batch_id)


@router.get("/v1/batches/{batch_id}/pdf", response_class=Response,
            summary="One PDF of every invoice a batch issued",
            responses={200: {"description": "The invoices, in order, as archived",
                             "content": {"application/pdf": {}}},
                       404: problem_doc("No such batch, or nothing issued"),
                       409: problem_doc("The batch is still running"), **problems(422)})
def get_batch_pdf(batch_id: BatchId, services: Tenant, state: State) -> Response:
    """One print file: every invoice the batch issued, in order, exactly as archived (one
    in Uniconta's layout archived without its PDF is left out, named in the
    `Faktura-Not-Printed` header)."""
    record = _record(state, services, batch_id)
    if record.status in ("queued", "running"):
        raise ApiProblem(409, f"the batch is still {record.status} ({record.done} of"
                         f" {record.total} done)")
    numbers = record.archived_numbers()
    if not numbers:
        raise ApiProblem(404, "the batch issued no invoice")
    printed = print_file(services.archive, services.tenant, numbers)
    if printed.pdf is None:
        raise ApiProblem(404, f"the batch's invoices have no PDF kept: {printed.note()}")
    headers = {"Content-Disposition": f'inline; filename="batch-{batch_id}.pdf"'}
    if printed.skipped:
        headers["Faktura-Not-Printed"] = ", ".join(printed.skipped)
    return Response(printed.pdf, media_type="application/pdf", headers=headers)
