"""HTTP client for the Uniconta gateway (rmja/unicontarest contract + §2.8 extensions).

See ``/work/shared/reference/uniconta-gateway.md`` §2 (routes, auth, filters, JSON shape,
status codes), §5 (limits) and §6(a) (call plan, error policy).

Quick tour::

    with GatewayClient("http://sidecar:8080", "faktura", SecretStr("..."), "Demo ApS") as gw:
        gw.resolve_company()                                   # GET /Companies (extension)
        rows = gw.query("Debtor", Account="1001")              # GET  .../Query/Debtor
        order = gw.insert("DebtorOrder", {"_DCAccount": "1001", "_DeleteOrder": True})[0]
        n = field(order, "OrderNumber")
        gw.insert("DebtorOrderLine", [{"_OrderNumber": n, "_Item": "1000", "_Qty": 2}])
        gw.post_invoice(n, simulate=True)                      # dry run
        result, pdf = gw.post_invoice_with_pdf(n, date=date(2024, 5, 31))

Error policy (reference §6(a)):

* retries with exponential back-off ONLY on ``SlowDown``/``ServerIsBusy``/``UserNotLoggedIn``
  (definite "not done" answers: every method), and on HTTP 502/503 and connection errors for
  idempotent requests only (GET, DELETE, PATCH whose ops are repeatable);
* a POST (insert, invoice posting) that fails without a definite answer is NEVER retried:
  :class:`~.errors.TransportError` for inserts, :class:`~.errors.PostingOutcomeUnknown`
  for postings, so the caller can look at what Uniconta has before trying again;
* every HTTP attempt is counted (:class:`CallStats`) and reported to the ``on_call`` hook as a
  :class:`CallEvent` (method, route, status, duration; never credentials or bodies).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import httpx
from pydantic import SecretStr

from sync.uniconta.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayError,
    NotFoundError,
    PdfUnavailableError,
    PostingOutcomeUnknown,
    TransportError,
    UnexpectedResponseError,
    UnicontaError,
    UnsupportedFeatureError,
)
from sync.uniconta.http import (
    DEFAULT_TIMEOUT,
    NOT_RETRIED,
    NOT_SENT,
    RETRY_CODES,  # noqa: F401 - re-exported: importable from sync.uniconta.gateway as before
    RETRY_STATUSES,  # noqa: F401 - re-exported
    Call,
    CallEvent,
    CallStats,
    HttpClientBase,
    RetryPolicy,
    check_filters_and_limit,
    coded_error,
    company_id_of,
    insert_items,
    one_line,
    pick_company,
    transport_what,
    unavailable,
    unexpected_status,
)
from sync.uniconta.records import CompanyInfo, PostingResult, as_int
from sync.uniconta.wire import (
    Range,
    between,
    byte_to_currency_code,
    check_field_name,
    currency_code_to_byte,
    field,
    filter_params,
    format_filter_date,
    format_filter_value,
    one_of,
    split_large_lists,
    to_wire,
)

__all__ = [
    "CallEvent",
    "CallStats",
    "CompanyInfo",
    "GatewayClient",
    "PostingResult",
    "Range",
    "RetryPolicy",
    "between",
    "byte_to_currency_code",
    "currency_code_to_byte",
    "field",
    "format_filter_date",
    "format_filter_value",
    "one_of",
]

logger = logging.getLogger(__name__)

#: Patch ops whose repetition yields the same state (RFC 6902 on object members).
_REPEATABLE_PATCH_OPS = frozenset({"replace", "add", "remove", "test"})
_TYPE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_ERROR_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_PDF_MAGIC = b"%PDF-"
#: Document types whose posting creates a DebtorInvoice (with a number from the series).
INVOICING_DOCUMENT_TYPES: frozenset[str] = frozenset({"Invoice", "Creditnote"})

DEFAULT_POSTING_TIMEOUT = httpx.Timeout(120.0, connect=5.0)


# --------------------------------------------------------------------------- the client


class GatewayClient(HttpClientBase):
    """Synchronous client for one Uniconta user and one company behind the gateway.

    Args:
        base_url: gateway root, e.g. ``"http://uniconta-sidecar:8080"`` (no credentials).
        login: the Uniconta (server) user's login id.
        password: its password (``SecretStr`` preferred); never logged nor shown in reprs.
        company: company id (``int`` or digit string) or company name (needs the extension).
        timeout: timeout of ordinary calls; ``posting_timeout`` of invoice postings.
        retry: back-off policy; tests pass ``RetryPolicy(base_delay=0)``.
        extensions: whether the gateway has the §2.8 extensions; ``None`` = detect with one
            ``GET /Companies`` on first need.
        http_client: an ``httpx.Client`` to use (not closed by :meth:`close`); or
        transport: an httpx transport for a client owned by this object (e.g. MockTransport).
        on_call: callback receiving a :class:`CallEvent` after every HTTP attempt.
        sleep: the back-off sleeper (injectable for tests).
    """

    def __init__(
        self,
        base_url: str,
        login: str,
        password: str | SecretStr,
        company: int | str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        posting_timeout: float | httpx.Timeout = DEFAULT_POSTING_TIMEOUT,
        retry: RetryPolicy | None = None,
        extensions: bool | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        on_call: Callable[[CallEvent], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            base_url,
            login,
            password,
            company,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
            transport=transport,
            on_call=on_call,
            sleep=sleep,
        )
        self.posting_timeout = posting_timeout
        self._extensions = extensions

    _CLIENT_NAME = "GatewayClient"
    _SERVICE = "gateway"
    _LOGIN_REQUIRED = "a gateway login is required"
    _URL_CREDENTIALS_HINT = "; pass login and password"
    _ROWS_EXPECTED = "expected a JSON array of objects"
    _logger = logger

    def _repr_extra(self) -> str:
        return f", extensions={self._extensions!r}"

    # ----------------------------------------------------------------- company & features

    def has_extensions(self) -> bool:
        """Whether the gateway offers the §2.8 extensions (detected once when unknown)."""
        if self._extensions is None:
            try:
                self._companies = self._fetch_companies()
                self._extensions = True
            except NotFoundError:
                self._extensions = False
            logger.info("gateway extensions %s", "detected" if self._extensions else "absent")
        return self._extensions

    def list_companies(self, *, refresh: bool = False) -> list[CompanyInfo]:
        """Companies of this user, via ``GET /Companies`` (extension)."""
        if not self.has_extensions():
            raise UnsupportedFeatureError(
                "listing companies needs the GET /Companies extension; configure the company id",
                operation="GET Companies",
            )
        if self._companies is None or refresh:
            self._companies = self._fetch_companies()
        return list(self._companies)

    def resolve_company(self, *, refresh: bool = False) -> CompanyInfo:
        """Resolve the configured company to a :class:`CompanyInfo` (cached).

        By id: checked against ``GET /Companies`` when the extension exists (and the
        dimension setup remembered); taken as given otherwise.  By name: needs the
        extension; exact match first, then case-insensitive.
        """
        if self._company_info is not None and not refresh:
            return self._company_info
        wanted_id = company_id_of(self.company)
        if wanted_id is not None and not self.has_extensions():
            self._company_info = CompanyInfo(company_id=wanted_id)
            return self._company_info
        if wanted_id is None and not self.has_extensions():
            raise UnsupportedFeatureError(
                f"company {self.company!r} is given by name, but this gateway has no "
                "GET /Companies extension: configure the numeric company id instead",
                operation="GET Companies",
            )
        companies = self.list_companies(refresh=refresh)
        info = pick_company(companies, self.company, wanted_id, "GET Companies")
        self._company_info = info
        return info

    def server_info(self) -> dict[str, Any]:
        """``GET /`` usage document (endpoints, enums, types) - a cheap health check."""
        response = self._request("GET", "/", kind="index", label="index", idempotent=True)
        data = self._json(response, "GET index")
        if not isinstance(data, dict):
            raise UnexpectedResponseError("expected a JSON object", operation="GET index")
        return data

    # ----------------------------------------------------------------- generic CRUD

    def query(
        self, type_name: str, where: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> list[dict[str, Any]]:
        """``GET Query/{type}`` with ``filter.<Field>=<value>`` for each filter (AND-ed).

        Values: scalars (exact), :func:`between` / :class:`Range`, :func:`one_of` / lists /
        sets, ``date`` (sent as ``d/M-yyyy``).  A list longer than 40 values is split into
        several calls (Uniconta's OR limit) and the rows merged by ``RowId``.  Field names
        may be properties (``Account``) or fields (``_Account``); pass ``where`` for names
        that are not Python identifiers.
        """
        merged = {**(where or {}), **filters}
        route = f"Query/{_check_type(type_name)}"
        return self._merged_query(route, map(filter_params, split_large_lists(merged)))

    def insert(
        self, type_name: str, obj_or_list: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """``POST Crud/{type}`` one object or a list (one call); returns the inserted rows.

        Write ``_``-prefixed field names; ``_Currency`` may be an ISO code (sent as the
        ``Currencies`` byte), ``Decimal``/``date`` values are encoded for the wire.  Never
        retried after a connection error (raises :class:`TransportError`: check first).
        """
        route = f"Crud/{_check_type(type_name)}"
        items = insert_items(obj_or_list)
        if items == []:
            return []
        return self._post_insert(route, to_wire(obj_or_list if items is None else items))

    def patch(
        self,
        type_name: str,
        filters: Mapping[str, Any],
        ops: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        limit: int = 1,
    ) -> list[dict[str, Any]]:
        """``PATCH Crud/{type}?filter...&limit=n`` with RFC 6902 ops; returns updated rows.

        ``ops`` is a list of ops (``{"op": "replace", "path": "/_Text", "value": "x"}``) or a
        mapping ``{"_Text": "x"}`` meaning one ``replace`` per key.  409 (more matches than
        ``limit``) raises :class:`ConflictError` and changes nothing.
        """
        route = f"Crud/{_check_type(type_name)}"
        op_list = _patch_ops(ops)
        response = self._company_request(
            "PATCH",
            route,
            kind="patch",
            params=self._filter_and_limit(filters, limit),
            content=json.dumps(op_list).encode(),
            headers={"Content-Type": "application/json-patch+json"},
            idempotent=all(_repeatable(op) for op in op_list),
        )
        return self._json_rows(response, f"PATCH {route}")

    def delete(self, type_name: str, filters: Mapping[str, Any], limit: int = 1) -> None:
        """``DELETE Crud/{type}?filter...&limit=n`` (204).  409 if more rows match."""
        route = f"Crud/{_check_type(type_name)}"
        self._company_request(
            "DELETE",
            route,
            kind="delete",
            params=self._filter_and_limit(filters, limit),
            idempotent=True,
            expect=(200, 204),
        )

    # ----------------------------------------------------------------- invoices

    def post_invoice(
        self,
        order_number: int,
        *,
        simulate: bool = False,
        document_type: str = "Invoice",
        date: dt.date | None = None,
        want_pdf: bool = False,
        emails: Sequence[str] = (),
    ) -> PostingResult:
        """Post (or simulate) debtor order ``order_number`` as an invoice.

        ``date`` is sent as ``date=yyyy-MM-dd`` (extension); without the extension only
        today's date is possible and any other date raises :class:`UnsupportedFeatureError`
        before anything is sent.  ``want_pdf=True`` also fetches the PDF into
        ``result.pdf`` (see :meth:`post_invoice_with_pdf`).

        Raises :class:`UnicontaError` for a refusal (e.g. ``PrCategoryCannotBeBlank``) and
        :class:`PostingOutcomeUnknown` when no definite answer arrived: then query
        ``DebtorInvoice`` by ``OrderNumber`` before posting again.  Never retried blindly.
        """
        if want_pdf:
            result, pdf = self.post_invoice_with_pdf(
                order_number,
                simulate=simulate,
                document_type=document_type,
                date=date,
                emails=emails,
            )
            return replace(result, pdf=pdf)
        response = self._posting_request(
            order_number, simulate, document_type, date, emails, accept="application/json"
        )
        return self._posting_result(response, order_number, simulate, document_type)

    def invoice_pdf(self, invoice_number: int, document_type: str = "Invoice") -> bytes:
        """PDF of a posted invoice: ``GET Invoice/DebtorInvoices/{no}/Pdf`` (extension).

        Raises :class:`NotFoundError` when Uniconta has no stored PDF and
        :class:`UnsupportedFeatureError` without the extension (use
        :meth:`post_invoice_with_pdf`, which falls back to ``Accept: application/pdf``).
        """
        number = _positive_int(invoice_number, "invoice_number")
        route = f"Invoice/DebtorInvoices/{number}/Pdf"
        if not self.has_extensions():
            raise UnsupportedFeatureError(
                "fetching the PDF of a posted invoice needs the gateway extension; "
                "use post_invoice_with_pdf() when posting",
                operation=f"GET {route}",
            )
        response = self._company_request(
            "GET",
            route,
            kind="invoice_pdf",
            params=[("documentType", _check_type(document_type))],
            headers={"Accept": "application/pdf"},
            idempotent=True,
        )
        if not _is_pdf(response):
            raise UnexpectedResponseError(
                f"expected application/pdf, got {response.headers.get('content-type')!r}",
                operation=f"GET {route}",
                status_code=response.status_code,
            )
        return response.content

    def post_invoice_with_pdf(
        self,
        order_number: int,
        *,
        simulate: bool = False,
        document_type: str = "Invoice",
        date: dt.date | None = None,
        emails: Sequence[str] = (),
    ) -> tuple[PostingResult, bytes]:
        """Post (or simulate) an order and return the result together with its PDF.

        With extensions: post as JSON, then ``GET .../DebtorInvoices/{no}/Pdf`` (2 calls).
        Without (upstream contract): post with ``Accept: application/pdf``, then learn the
        number with ``query("DebtorInvoice", OrderNumber=n)`` (2 calls; the newest invoice
        of the order is taken).  A simulation is done twice (JSON for the totals, PDF for
        the preview); simulations persist nothing.  Document types other than Invoice and
        Creditnote create no invoice: one ``Accept: application/pdf`` call, number 0.

        If the posting succeeded but no PDF can be had, :class:`PdfUnavailableError` is
        raised carrying the committed ``result`` - record it, do not post again.
        """
        number = _positive_int(order_number, "order_number")
        if simulate:
            result = self.post_invoice(
                number, simulate=True, document_type=document_type, date=date, emails=emails
            )
            response = self._posting_request(
                number, True, document_type, date, (), accept="application/pdf"
            )
            if not _is_pdf(response):
                raise PdfUnavailableError(
                    "the gateway returned no PDF for the simulation",
                    result=result,
                    operation=_posting_label(number),
                )
            return replace(result, pdf=response.content), response.content
        if document_type in INVOICING_DOCUMENT_TYPES and self.has_extensions():
            result = self.post_invoice(
                number, document_type=document_type, date=date, emails=emails
            )
            return self._attach_pdf(result, document_type)
        return self._post_with_accept_pdf(number, document_type, date, emails)

    # ----------------------------------------------------------------- internals: posting

    def _post_with_accept_pdf(
        self, number: int, document_type: str, date: dt.date | None, emails: Sequence[str]
    ) -> tuple[PostingResult, bytes]:
        """Upstream-only PDF path: Accept: application/pdf, then DebtorInvoice lookup."""
        response = self._posting_request(
            number, False, document_type, date, emails, accept="application/pdf"
        )
        if not _is_pdf(response):
            # No PDF was produced: the gateway answered with the JSON posting result.
            result = self._posting_result(response, number, False, document_type)
            raise PdfUnavailableError(
                f"invoice {result.invoice_number} was posted but the gateway produced no PDF",
                result=result,
                operation=_posting_label(number),
            )
        pdf = response.content
        if document_type not in INVOICING_DOCUMENT_TYPES:
            # Packnote, OrderConfirmation...: no DebtorInvoice to read back.
            return PostingResult(number, 0, simulated=False, pdf=pdf), pdf
        try:
            rows = self.query("DebtorInvoice", OrderNumber=number)
        except GatewayError as exc:
            raise PostingOutcomeUnknown(
                "the invoice was posted (PDF received) but reading back its number failed "
                f"({exc}); query DebtorInvoice?filter.OrderNumber={number}",
                operation=_posting_label(number),
                request_sent=True,
                order_number=number,
                pdf=pdf,
            ) from exc
        if not rows:
            raise PostingOutcomeUnknown(
                f"PDF received but no DebtorInvoice with OrderNumber {number} was found",
                operation=_posting_label(number),
                request_sent=True,
                order_number=number,
                pdf=pdf,
            )
        newest = max(rows, key=lambda r: as_int(field(r, "InvoiceNumber")) or 0)
        result = PostingResult.from_invoice_row(number, newest)
        return replace(result, pdf=pdf), pdf

    def _attach_pdf(self, result: PostingResult, document_type: str) -> tuple[PostingResult, bytes]:
        try:
            pdf = self.invoice_pdf(result.invoice_number, document_type)
        except GatewayError as exc:
            raise PdfUnavailableError(
                f"invoice {result.invoice_number} was posted but its PDF could not be "
                f"fetched: {exc}",
                result=result,
                operation=_posting_label(result.order_number),
                status_code=exc.status_code,
            ) from exc
        return replace(result, pdf=pdf), pdf

    def _posting_request(
        self,
        order_number: int,
        simulate: bool,
        document_type: str,
        date: dt.date | None,
        emails: Sequence[str],
        *,
        accept: str,
    ) -> httpx.Response:
        number = _positive_int(order_number, "order_number")
        params: list[tuple[str, str]] = [
            ("simulate", "true" if simulate else "false"),
            ("documentType", _check_type(document_type)),
        ]
        params += [("email", str(e)) for e in emails]
        if date is not None:
            if not isinstance(date, dt.date):
                raise ConfigurationError(f"date must be a datetime.date, not {date!r}")
            day = date.date() if isinstance(date, dt.datetime) else date
            if self.has_extensions():
                params.append(("date", day.isoformat()))
            elif day != dt.date.today():
                raise UnsupportedFeatureError(
                    f"invoice date {day.isoformat()} requested, but this gateway has no date "
                    "extension and always posts with today's date",
                    operation=_posting_label(number),
                )
        return self._company_request(
            "POST",
            f"Invoice/DebtorOrders/{number}",
            kind="post_invoice",
            params=params,
            headers={"Accept": accept},
            idempotent=False,
            posting_order=number,
            timeout=self.posting_timeout,
        )

    def _posting_result(
        self,
        response: httpx.Response,
        order_number: int,
        simulate: bool,
        document_type: str = "Invoice",
    ) -> PostingResult:
        label = _posting_label(order_number)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, Mapping):
            raise PostingOutcomeUnknown(
                f"HTTP {response.status_code} with an unreadable body; the invoice may or may "
                f"not be posted: query DebtorInvoice?filter.OrderNumber={order_number}",
                operation=label,
                status_code=response.status_code,
                request_sent=True,
                order_number=order_number,
            )
        err = data.get("Err")
        ledger = data.get("ledgerRes")
        ledger = ledger if isinstance(ledger, Mapping) else {}
        for code in (err, ledger.get("Err")):
            if code not in (None, "Succes", 0):
                details = ", ".join(
                    f"{k}={ledger.get(k)}"
                    for k in ("ErrorProperty", "ErrorValue", "Account")
                    if ledger.get(k)
                )
                raise UnicontaError(
                    str(code),
                    operation=label,
                    status_code=response.status_code,
                    details=details or None,
                )
        result = PostingResult.from_json(order_number, simulate, data)
        if not simulate and document_type in INVOICING_DOCUMENT_TYPES and not result.invoice_number:
            raise PostingOutcomeUnknown(
                "the posting succeeded but the answer carries no invoice number: query "
                f"DebtorInvoice?filter.OrderNumber={order_number} before posting again",
                operation=label,
                status_code=response.status_code,
                request_sent=True,
                order_number=order_number,
            )
        return result

    # ----------------------------------------------------------------- internals: HTTP

    def _filter_and_limit(self, filters: Mapping[str, Any], limit: int) -> list[tuple[str, str]]:
        check_filters_and_limit(filters, limit)
        return [*filter_params(filters), ("limit", str(limit))]

    def _fetch_companies(self) -> list[CompanyInfo]:
        response = self._request(
            "GET", "/Companies", kind="companies", label="Companies", idempotent=True
        )
        data = self._json(response, "GET Companies")
        if not isinstance(data, list):
            raise UnexpectedResponseError("expected a JSON array", operation="GET Companies")
        return [CompanyInfo.from_row(row) for row in data if isinstance(row, Mapping)]

    def _company_request(
        self, method: str, route: str, *, kind: str, **kwargs: Any
    ) -> httpx.Response:
        company_id = self.resolve_company().company_id
        return self._request(
            method, f"/Companies/{company_id}/{route}", kind=kind, label=route, **kwargs
        )

    def _request(
        self, method: str, path: str, *, posting_order: int | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send one logical call with the retry policy; return the accepted response."""
        return self._send(method, path, context=posting_order, **kwargs)

    def _error_info(self, response: httpx.Response) -> tuple[str | None, str | None]:
        return _error_code(response), None

    def _code_retryable(self, status: int) -> bool:
        return status == 500

    def _transport_error(self, call: Call, exc: httpx.TransportError) -> TransportError:
        operation, posting_order = call.operation, call.context
        sent = not isinstance(exc, NOT_SENT)
        what = self._redact(transport_what(exc))
        if posting_order is not None:
            return PostingOutcomeUnknown(
                f"no answer from the gateway ({what}); the invoice may or may not be posted - "
                f"query DebtorInvoice?filter.OrderNumber={posting_order} before posting again",
                operation=operation,
                request_sent=sent,
                order_number=posting_order,
            )
        if call.idempotent:
            return TransportError(
                f"no answer from the gateway after {call.attempts} attempt(s) ({what})",
                operation=operation,
                request_sent=sent,
            )
        return TransportError(
            f"no answer from the gateway ({what}){NOT_RETRIED}",
            operation=operation,
            request_sent=sent,
        )

    def _status_error(
        self, call: Call, response: httpx.Response, code: str | None, message: str | None
    ) -> GatewayError:
        operation, posting_order = call.operation, call.context
        status = response.status_code
        text = self._redact(one_line(response.text))[:300]
        if status == 401:
            return AuthenticationError(
                f"HTTP 401: the gateway wants Basic credentials for login {self.login!r}",
                operation=operation,
                status_code=status,
            )
        if status == 403:
            return AuthenticationError(
                f"login {self.login!r} refused by Uniconta ({code or 'HTTP 403'})",
                operation=operation,
                status_code=status,
                code=code,
            )
        if status == 404:
            return NotFoundError(
                f"HTTP 404 (unknown or not granted company, unknown route or no such document)"
                f"{': ' + text if text else ''}",
                operation=operation,
                status_code=status,
            )
        if status == 400:
            return BadRequestError(
                f"bad request: {text or 'HTTP 400'}", operation=operation, text=text
            )
        if status == 409:
            return ConflictError(
                f"limit exceeded, nothing changed: {text or 'HTTP 409'}",
                operation=operation,
                text=text,
            )
        if status == 500 and code is not None:
            return coded_error(code, operation, status, call.attempts)
        if posting_order is not None and status >= 500:
            return PostingOutcomeUnknown(
                f"HTTP {status} without an ErrorCodes answer; the invoice may or may not be "
                f"posted - query DebtorInvoice?filter.OrderNumber={posting_order} before "
                "posting again",
                operation=operation,
                status_code=status,
                request_sent=True,
                order_number=posting_order,
            )
        if status in (502, 503, 504):
            sep = " " if call.idempotent else ""
            return unavailable(call, status, f"gateway unavailable (HTTP {status}){sep}")
        return unexpected_status(operation, status, text)


# --------------------------------------------------------------------------- helpers


def _check_type(type_name: str) -> str:
    if not isinstance(type_name, str) or not _TYPE_NAME_RE.match(type_name):
        raise ConfigurationError(f"invalid Uniconta type/enum name {type_name!r}")
    if type_name.lower().endswith("client") and len(type_name) > len("client"):
        raise ConfigurationError(
            f"use the type name without 'Client' ({type_name[:-6]!r}, not {type_name!r})"
        )
    return type_name


def _patch_ops(ops: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[dict[str, Any]]:
    if isinstance(ops, Mapping):
        op_list = [
            {"op": "replace", "path": f"/{check_field_name(k)}", "value": v} for k, v in ops.items()
        ]
    else:
        op_list = [dict(op) for op in ops]
    if not op_list:
        raise ConfigurationError("patch needs at least one operation")
    for op in op_list:
        if not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise ConfigurationError(f"invalid JSON Patch operation {op!r}")
        if "value" in op:
            op["value"] = to_wire(op["value"], key=op["path"].lstrip("/"))
    return op_list


def _repeatable(op: Mapping[str, Any]) -> bool:
    return op.get("op") in _REPEATABLE_PATCH_OPS and not str(op.get("path", "")).endswith("/-")


def _error_code(response: httpx.Response) -> str | None:
    """The ErrorCodes name of a JSON-string body (``"KeyExists"``), else ``None``."""
    if response.status_code < 400 or not response.content or len(response.content) > 200:
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    return data if isinstance(data, str) and _ERROR_CODE_RE.match(data) else None


def _is_pdf(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype == "application/pdf" or response.content.startswith(_PDF_MAGIC)


def _posting_label(order_number: int) -> str:
    return f"POST Invoice/DebtorOrders/{order_number}"


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive int, not {value!r}")
    return value
