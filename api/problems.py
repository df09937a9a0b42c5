"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error the API returns has `type`, `title`, `status`, `detail` and `request_id` (the
`X-Request-ID` of the answer, `api.requestlog`), and, when the input is at fault,
`errors: [{field, message}]` naming each field and its problem. Input values are never echoed
back (a mistyped password or a customer's data does not belong in an error), nor logged: the
handlers log an error's type, never its message (of a pydantic error that escaped, its field
paths and pydantic's messages, never the values). Unexpected exceptions are answered by
`api.requestlog.RequestLog`, outside every handler here.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.request_id import current_request_id
from archive import (
    ArchiveConflict,
    ArchiveDamaged,
    ArchiveError,
    InvalidArchiveKey,
    NoEInvoice,
    NoPdfKept,
    NotArchived,
)
from faktura.errors import (
    ContentChanged,
    FakturaError,
    InvalidInput,
    Problem,
    RedactedValidationError,
    redacted,
)
from sync.uniconta.errors import GatewayError, ThrottledError, TransportError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://faktura.example/problems/"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
}

SLUGS = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 406: "not-acceptable", 409: "conflict", 413: "too-large",
    415: "unsupported-media-type", 422: "invalid-input", 429: "too-many-requests",
    500: "internal", 502: "bad-gateway", 503: "unavailable",
}


def describe_exception(error: BaseException) -> str:
    """The exception's type and where it was raised (file:line function), never its message
    (which may quote the input): what the log says of an error.

    >>> try:
    ...     int("customer text")
    ... except ValueError as error:
    ...     print(describe_exception(error))
    ValueError at <doctest api.problems.describe_exception[0]>:2 <module>
    """
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    where = " < ".join(f"{PurePath(f.filename).name}:{f.lineno} {f.name}"
                       for f in reversed(frames))
    return f"{type(error).__name__} at {where}" if where else type(error).__name__


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, errors: Sequence[Problem] = (),
                 slug: str | None = None, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.slug = slug or SLUGS.get(status, "error")
        self.headers = headers or {}
        self.extra = extra or {}


def problem_body(status: int, detail: str, errors: Sequence[Problem] = (),
                 slug: str | None = None, instance: str | None = None,
                 extra: dict[str, Any] | None = None,
                 request_id: str | None = None) -> dict[str, Any]:
    """The problem document as a dict (`extra`: members of its own, e.g. which quota)."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or SLUGS.get(status, "error")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"field": p.field, "message": p.message} for p in errors]
    body.update(extra or {})
    request_id = request_id or current_request_id()
    if request_id:
        body["request_id"] = request_id
    return body


def problem_response(status: int, detail: str, errors: Sequence[Problem] = (), *,
                     slug: str | None = None, instance: str | None = None,
                     headers: dict[str, str] | None = None,
                     extra: dict[str, Any] | None = None) -> JSONResponse:
    """A `JSONResponse` with the problem document and its media type."""
    return JSONResponse(problem_body(status, detail, errors, slug, instance, extra),
                        status_code=status, media_type=PROBLEM_JSON, headers=headers)


def validation_problems(error: RequestValidationError) -> list[Problem]:
    """Each of a request's invalid parts as a field path and pydantic's message."""
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = ""
        field = ".".join(loc) or where
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(Problem(field, message))
    return problems


def loggable(exc: BaseException) -> BaseException:
    """`exc` fit for the server log: validation errors with field paths and messages only."""
    if isinstance(exc, ResponseValidationError):
        text = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                         for e in exc.errors())
        safe = RedactedValidationError(f"response: {text}")
        safe.__traceback__ = exc.__traceback__
        safe.__suppress_context__ = True
        return safe
    return redacted(exc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc.status, exc.detail, exc.errors, slug=exc.slug,
                                instance=request.url.path, headers=exc.headers, extra=exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # pydantic's own messages, field paths only: `input` is deliberately dropped.
        return problem_response(422, "the request is not valid", validation_problems(exc),
                                instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        return problem_response(exc.status_code, detail, instance=request.url.path,
                                headers=dict(exc.headers or {}))

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> JSONResponse:
        return problem_response(422, "the invoice is not valid", exc.problems,
                                instance=request.url.path)

    @app.exception_handler(ContentChanged)
    async def _changed(request: Request, exc: ContentChanged) -> JSONResponse:
        return problem_response(409, str(exc), slug="content-changed",
                                instance=request.url.path)

    @app.exception_handler(ArchiveError)
    async def _archive(request: Request, exc: ArchiveError) -> JSONResponse:
        if isinstance(exc, NoEInvoice):
            return problem_response(404, f"invoice {exc.invoice_number} was archived without"
                                    " an e-invoice", slug="no-e-invoice",
                                    instance=request.url.path)
        if isinstance(exc, NoPdfKept):
            base = f"/v1/archive/{exc.invoice_number}"
            links = {"meta": f"{base}/meta", **({"xml": f"{base}/xml"} if exc.einvoice else {})}
            return problem_response(404, str(exc), slug="no-pdf-kept",
                                    instance=request.url.path, extra={"links": links})
        if isinstance(exc, NotArchived):
            return problem_response(404, f"invoice {exc.invoice_number} is not in the archive",
                                    instance=request.url.path)
        if isinstance(exc, ArchiveConflict):
            return problem_response(409, str(exc), slug="archive-conflict",
                                    instance=request.url.path)
        if isinstance(exc, InvalidArchiveKey):
            return problem_response(422, "not a valid archive key", [Problem(
                "invoice_number", "must be 1-20 characters of 0-9, A-Z, a-z and '-'")],
                instance=request.url.path)
        if isinstance(exc, ArchiveDamaged):
            log.error("archive damaged: %s", exc)  # file and hash, no customer data
            return problem_response(500, "the archived file is damaged; the operator has been"
                                    " told", slug="archive-damaged", instance=request.url.path)
        log.error("archive error: %s", describe_exception(exc))
        return problem_response(500, "archive error", instance=request.url.path)

    @app.exception_handler(FakturaError)
    async def _faktura(request: Request, exc: FakturaError) -> JSONResponse:
        return problem_response(422, str(exc), slug="not-issuable", instance=request.url.path)

    @app.exception_handler(GatewayError)
    async def _gateway(request: Request, exc: GatewayError) -> JSONResponse:
        log.warning("Uniconta gateway: %s on %s (HTTP %s)", type(exc).__name__, exc.operation,
                    exc.status_code)  # Uniconta's text may quote the invoice: not logged
        status = 503 if isinstance(exc, ThrottledError | TransportError) else 502
        return problem_response(status, f"Uniconta: {exc}", slug="uniconta",
                                instance=request.url.path)

    @app.exception_handler(ValidationError)
    async def _invalid_data(request: Request, exc: ValidationError) -> JSONResponse:
        # Data the code built itself failed validation: a bug. Logged with where it was raised
        # and the field paths and messages (pydantic's own text repeats the customer's data).
        log.error("unexpected error: %s: %s", describe_exception(exc), loggable(exc))
        return problem_response(500, "an unexpected error occurred", instance=request.url.path)

    app.add_exception_handler(ResponseValidationError, _invalid_data)  # type: ignore[arg-type]
