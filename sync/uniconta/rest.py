"""HTTP client for Uniconta's official REST service (``/api/Entities/...``, reference §1.2, §2.9).

A drop-in for :class:`~.gateway.GatewayClient` where the engine needs no posting: the same
``query`` / ``insert`` / ``patch`` / ``delete`` / ``resolve_company`` / ``company_id`` /
``stats`` / ``has_extensions`` / ``close`` methods, the same typed errors (:mod:`~.errors`)
and the same retry policy. Callers keep writing the gateway's ``_Field`` names; this client
sends property names (``_DCAccount`` -> ``Account`` on an order, ``DCAccount`` on a contact,
``_LegalIdent`` -> ``CompanyRegNo``, ``_Dim1`` -> ``Dimension1``...; see
:func:`property_name`) and ``_Currency`` bytes as ISO codes.

What the official service cannot do - book an invoice, simulate, render Uniconta's PDF - raises
:class:`~.errors.UnsupportedFeatureError` before anything is sent (use drafts mode).

Calls made (one HTTP request each, counted in :attr:`RestClient.stats`):

* ``resolve_company``: ``GET CompanyClient`` once (kind ``companies``). Basic auth username is
  ``00<CompanyId>/<LoginId>``; a company given by name is looked up with the bare login first.
* ``query``: ``GET /api/Entities/<Type>Client?Name=<Prop>&Value=<v>`` (one pair per filter;
  a list of more than 40 values is split into several calls).
* ``insert``: ``POST Insert/<Type>Client`` (object) or ``InsertList/<Type>Client`` (list).
* ``patch``: a ``query`` of the matching rows, then ``PUT Update/<Type>Client`` with each whole
  row as read plus the changes (kind ``update``); more matches than ``limit`` ⇒
  :class:`~.errors.ConflictError` and nothing is changed.
* ``delete``: a ``query``, then ``DELETE Delete/<Type>Client`` with each row as read.

Error answers (the emulator's documented shape, reference §1.2 calls the real one undocumented):
``{"error": "<ErrorCodes name>"}`` on 400 ⇒ :class:`~.errors.UnicontaError` (``.code``);
``{"error": "BadRequest", "message": ...}`` ⇒ :class:`~.errors.BadRequestError`; 401/403 ⇒
:class:`~.errors.AuthenticationError`; 404 ⇒ :class:`~.errors.NotFoundError`; 503 with
``SlowDown``/``ServerIsBusy``/``UserNotLoggedIn`` is retried for every method, 502/503 without a
code only for GET/PUT/DELETE; an insert that got no answer is never retried.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from sync.uniconta.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayError,
    NotFoundError,
    TransportError,
    UnsupportedFeatureError,
)
from sync.uniconta.http import (
    NOT_SENT,
    Call,
    HttpClientBase,
    check_filters_and_limit,
    coded_error,
    company_id_of,
    gave_up,
    insert_items,
    one_line,
    pick_company,
    transport_what,
    unavailable,
    unexpected_status,
)
from sync.uniconta.records import CompanyInfo, PostingResult
from sync.uniconta.wire import (
    byte_to_currency_code,
    check_field_name,
    currency_code_to_byte,
    format_filter_value,
    split_large_lists,
    to_wire,
)

__all__ = ["REST_CANNOT_POST", "RestClient", "property_name"]

logger = logging.getLogger(__name__)

API_PREFIX = "/api/Entities"
#: Why posting and Uniconta's PDF are unavailable on this transport (the message users see).
REST_CANNOT_POST = (
    "the official Uniconta REST service cannot book invoices or render Uniconta's PDF: use "
    "drafts mode (uniconta.post_as_drafts = true) or the gateway"
)

#: ``_Field`` -> property where the property is not simply the name without ``_`` (§3).
_COMMON_PROPERTIES: dict[str, str] = {
    "_dcaccount": "Account",
    "_legalident": "CompanyRegNo",
    **{f"_dim{i}": f"Dimension{i}" for i in range(1, 6)},
}
_TYPE_PROPERTIES: dict[str, dict[str, str]] = {
    "Contact": {"_dcaccount": "DCAccount"},
    "GLTrans": {"_dcaccount": "DCAccount"},
    "DebtorGroup": {"_vat": "SalesVat"},
    "InvGroup": {"_vat": "SalesVat"},
    "ProjectGroup": {"_vat": "SalesVat"},
}
_CURRENCY_PROPERTY_RE = re.compile(r"^Currency\d?$")
_TYPE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_REMOVE = object()


def property_name(type_name: str, name: str) -> str:
    """The REST (property) name of a member the engine names by field or property.

    ``property_name("DebtorOrder", "_DCAccount") == "Account"``;
    ``property_name("Contact", "_DCAccount") == "DCAccount"``; property names pass unchanged.
    """
    check_field_name(name)
    if not name.startswith("_"):
        return name
    key = name.lower()
    bare = _bare_type(type_name)
    return _TYPE_PROPERTIES.get(bare, {}).get(key) or _COMMON_PROPERTIES.get(key) or name[1:]


def _bare_type(type_name: str) -> str:
    if not isinstance(type_name, str) or not _TYPE_NAME_RE.match(type_name):
        raise ConfigurationError(f"invalid Uniconta type name {type_name!r}")
    if type_name.lower().endswith("client") and len(type_name) > len("client"):
        return type_name[: -len("client")]
    return type_name


def _entity(type_name: str) -> str:
    """``Debtor`` or ``DebtorClient`` -> ``DebtorClient`` (the REST entity name)."""
    return f"{_bare_type(type_name)}Client"


def _wire_value(prop: str, value: Any) -> Any:
    wired = to_wire(value)
    if _CURRENCY_PROPERTY_RE.match(prop) and wired is not None:
        # The property is the ISO code; the engine writes the backing field's byte.
        if isinstance(wired, int) and not isinstance(wired, bool):
            return byte_to_currency_code(wired) if wired else None
        if isinstance(wired, str):
            currency_code_to_byte(wired)  # validates
            return wired.strip().upper()
    return wired


def _body(type_name: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        prop = property_name(type_name, str(key))
        if prop in out:
            raise ConfigurationError(f"{key!r} names {prop!r} a second time")
        out[prop] = _wire_value(prop, value)
    return out


def _changes(type_name: str, ops: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> dict:
    """``{"_Text": "x"}`` or JSON Patch replace/add/remove ops -> ``{prop: value | _REMOVE}``."""
    if isinstance(ops, Mapping):
        op_list = [{"op": "replace", "path": f"/{k}", "value": v} for k, v in ops.items()]
    else:
        op_list = [dict(op) for op in ops]
    if not op_list:
        raise ConfigurationError("patch needs at least one operation")
    changes: dict[str, Any] = {}
    for op in op_list:
        kind, path = op.get("op"), op.get("path")
        if not isinstance(kind, str) or not isinstance(path, str) or not path.startswith("/"):
            raise ConfigurationError(f"invalid JSON Patch operation {op!r}")
        prop = property_name(type_name, path[1:])
        if kind in ("replace", "add"):
            if "value" not in op:
                raise ConfigurationError(f"JSON Patch {kind} without a value: {op!r}")
            changes[prop] = _wire_value(prop, op["value"])
        elif kind == "remove":
            changes[prop] = _REMOVE
        else:
            raise ConfigurationError(
                f"the REST transport applies replace/add/remove only, not {kind!r}"
            )
    return changes


class RestClient(HttpClientBase):
    """Synchronous client for one Uniconta user and one company on the official REST service.

    Args mirror :class:`sync.uniconta.gateway.GatewayClient`: ``base_url`` (the service root, e.g.
    ``https://odata.uniconta.com``; no credentials), ``login``, ``password`` (``SecretStr``
    preferred; never logged nor shown), ``company`` (id, or name: looked up in
    ``CompanyClient``), ``timeout``, ``retry``, ``http_client`` or ``transport``, ``on_call``,
    ``sleep``.
    """

    # __init__ is HttpClientBase's: (base_url, login, password, company, *, timeout, retry,
    # http_client, transport, on_call, sleep).

    _CLIENT_NAME = "RestClient"
    _SERVICE = "REST"
    _LOGIN_REQUIRED = "a Uniconta login is required"
    _ROWS_EXPECTED = "expected a JSON object or an array of objects"
    _logger = logger

    # ----------------------------------------------------------------- company & features

    def has_extensions(self) -> bool:
        """Always ``False``: the official service has none of the gateway's §2.8 extensions."""
        return False

    def list_companies(self, *, refresh: bool = False) -> list[CompanyInfo]:
        """This user's companies, via ``GET CompanyClient`` (cached)."""
        if self._companies is None or refresh:
            response = self._request(
                "GET",
                "CompanyClient",
                kind="companies",
                idempotent=True,
                username=self._username(company_id_of(self.company)),
            )
            rows = self._json_rows(response, "GET CompanyClient")
            self._companies = [CompanyInfo.from_row(row) for row in rows]
        return list(self._companies)

    def resolve_company(self, *, refresh: bool = False) -> CompanyInfo:
        """The configured company (id or name) as a :class:`CompanyInfo` (one call, cached)."""
        if self._company_info is not None and not refresh:
            return self._company_info
        companies = self.list_companies(refresh=refresh)
        self._company_info = pick_company(
            companies, self.company, company_id_of(self.company), "GET CompanyClient"
        )
        return self._company_info

    # ----------------------------------------------------------------- generic CRUD

    def query(
        self, type_name: str, where: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> list[dict[str, Any]]:
        """Rows of ``type_name`` matching every filter (AND), property names only.

        Filter names may be fields (``_DCAccount``) or properties (``Account``); values as
        for the gateway (scalars, :func:`~.wire.between`, :func:`~.wire.one_of`,
        lists, dates).  A list over 40 values is split and the rows merged by ``RowId``.
        """
        entity = _entity(type_name)
        merged = {**(where or {}), **filters}
        param_sets = (  # lazily, one part at a time, as the calls are made
            [
                pair
                for name, value in part.items()
                for pair in (
                    ("Name", property_name(type_name, name)),
                    ("Value", format_filter_value(value)),
                )
            ]
            for part in split_large_lists(merged)
        )
        return self._merged_query(entity, param_sets)

    def insert(
        self, type_name: str, obj_or_list: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """``Insert`` one object or ``InsertList`` a list (one call); the stored rows.

        Never retried after a connection error (raises :class:`TransportError`: check first).
        """
        entity = _entity(type_name)
        items = insert_items(obj_or_list)
        if items is None:
            return self._post_insert(f"Insert/{entity}", _body(type_name, obj_or_list))
        if not items:
            return []
        return self._post_insert(f"InsertList/{entity}", [_body(type_name, x) for x in items])

    def patch(
        self,
        type_name: str,
        filters: Mapping[str, Any],
        ops: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        limit: int = 1,
    ) -> list[dict[str, Any]]:
        """Read the matching rows, then ``PUT Update`` each whole row with the changes.

        ``ops`` is ``{"_Text": "x"}`` or JSON Patch ``replace``/``add``/``remove`` ops.  More
        matches than ``limit`` raise :class:`ConflictError` before anything is written.
        """
        changes = _changes(type_name, ops)
        route = f"Update/{_entity(type_name)}"
        out: list[dict[str, Any]] = []
        for row in self._matching(type_name, filters, limit, f"PUT {route}"):
            obj = dict(row)
            for prop, value in changes.items():
                if value is _REMOVE:
                    obj.pop(prop, None)
                else:
                    obj[prop] = value
            response = self._company_request(
                "PUT", route, kind="update", json_body=obj, idempotent=True
            )
            out += self._json_rows(response, f"PUT {route}")
        return out

    def delete(self, type_name: str, filters: Mapping[str, Any], limit: int = 1) -> None:
        """Read the matching rows, then ``DELETE Delete`` each (409-like ConflictError first)."""
        route = f"Delete/{_entity(type_name)}"
        for row in self._matching(type_name, filters, limit, f"DELETE {route}"):
            self._company_request("DELETE", route, kind="delete", json_body=row, idempotent=True)

    # ----------------------------------------------------------------- not on this service

    def post_invoice(self, order_number: int, **_: Any) -> PostingResult:
        """Unsupported: raises :class:`UnsupportedFeatureError` and sends nothing."""
        raise UnsupportedFeatureError(REST_CANNOT_POST, operation=f"post_invoice({order_number})")

    def post_invoice_with_pdf(self, order_number: int, **_: Any) -> tuple[PostingResult, bytes]:
        """Unsupported: raises :class:`UnsupportedFeatureError` and sends nothing."""
        raise UnsupportedFeatureError(
            REST_CANNOT_POST, operation=f"post_invoice_with_pdf({order_number})"
        )

    def invoice_pdf(self, invoice_number: int, document_type: str = "Invoice") -> bytes:
        """Unsupported: raises :class:`UnsupportedFeatureError` and sends nothing."""
        raise UnsupportedFeatureError(REST_CANNOT_POST, operation=f"invoice_pdf({invoice_number})")

    # ----------------------------------------------------------------- internals

    def _matching(
        self, type_name: str, filters: Mapping[str, Any], limit: int, operation: str
    ) -> list[dict[str, Any]]:
        check_filters_and_limit(filters, limit)
        rows = self.query(type_name, filters)
        if len(rows) > limit:
            text = (
                f"There are more values ({len(rows)}) matching filter then allowed by the "
                f"limit ({limit})"
            )
            raise ConflictError(
                f"limit exceeded, nothing changed: {text}", operation=operation, text=text
            )
        return rows

    def _username(self, company_id: int | None) -> str:
        return f"00{company_id}/{self.login}" if company_id is not None else self.login

    def _company_request(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        company_id = self.resolve_company().company_id
        return self._request(method, route, username=self._username(company_id), **kwargs)

    def _request(self, method: str, route: str, *, username: str, **kwargs: Any) -> httpx.Response:
        """Send one logical call with the retry policy; return the 200 response."""
        return self._send(method, f"{API_PREFIX}/{route}", label=route, username=username, **kwargs)

    def _error_info(self, response: httpx.Response) -> tuple[str | None, str | None]:
        return _error_body(response)

    def _code_retryable(self, status: int) -> bool:
        return status >= 400

    def _transport_error(self, call: Call, exc: httpx.TransportError) -> TransportError:
        what = self._redact(transport_what(exc))
        return TransportError(
            f"no answer from the REST service ({what}) {gave_up(call.idempotent, call.attempts)}",
            operation=call.operation,
            request_sent=not isinstance(exc, NOT_SENT),
        )

    def _status_error(
        self, call: Call, response: httpx.Response, code: str | None, message: str | None
    ) -> GatewayError:
        operation = call.operation
        status = response.status_code
        text = self._redact(message or one_line(response.text))[:300]
        if status in (401, 403):
            return AuthenticationError(
                f"login {self.login!r} refused by Uniconta ({code or f'HTTP {status}'})"
                f"{': ' + text if message else ''}",
                operation=operation,
                status_code=status,
                code=code if status == 403 else None,
            )
        if status == 404:
            return NotFoundError(
                f"HTTP 404 (unknown entity or route){': ' + text if text else ''}",
                operation=operation,
                status_code=status,
            )
        if code is not None and code != "BadRequest":
            return coded_error(code, operation, status, call.attempts, message)
        if status == 400:
            return BadRequestError(
                f"bad request: {text or 'HTTP 400'}", operation=operation, text=text
            )
        if status in (502, 503, 504):
            return unavailable(call, status, f"REST service unavailable (HTTP {status}) ")
        return unexpected_status(operation, status, text)

    def _credential_usernames(self) -> Iterable[str]:
        resolved = self._company_info.company_id if self._company_info else None
        return {
            self.login,
            self._username(resolved),
            self._username(company_id_of(self.company)),
        }


# --------------------------------------------------------------------------- helpers


def _error_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """``(error, message)`` of a ``{"error": ..., "message": ...}`` body (or a JSON string)."""
    if response.status_code < 400 or not response.content or len(response.content) > 4000:
        return None, None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None, None
    if isinstance(data, str):
        data = {"error": data}
    if not isinstance(data, dict):
        return None, None
    code, message = data.get("error"), data.get("message")
    code = code if isinstance(code, str) and _TYPE_NAME_RE.match(code) else None
    return code, message if isinstance(message, str) else None
