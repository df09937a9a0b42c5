"""Typed exceptions raised by the Uniconta gateway client (:mod:`sync.uniconta.gateway`).

Hierarchy (catch the base class to handle "anything the gateway did")::

    GatewayError                     base of everything below; .operation, .status_code
    ├── ConfigurationError           (also ValueError) bad client-side input or settings:
    │   │                            unknown company name, unknown currency code, bad filter
    │   └── UnsupportedFeatureError  needs a §2.8 extension the gateway does not offer
    ├── TransportError               no usable answer: connection error, timeout, dropped
    │   │                            response, 502/503/504. For a non-idempotent request the
    │   │                            outcome is UNKNOWN - check before trying again.
    │   └── PostingOutcomeUnknown    an invoice posting may or may not have committed; look
    │                                for Query/DebtorInvoice?filter.OrderNumber=<n> first
    ├── AuthenticationError          401 (no/bad Basic header) or 403 (login refused; .code)
    ├── NotFoundError                404: unknown company, route, or stored PDF
    ├── BadRequestError              400 text: bad type name, invalid filter, bad value
    ├── ConflictError                409: more rows match than ``limit`` allows
    ├── UnicontaError                500 with a JSON-string ErrorCodes name (.code)
    │   └── ThrottledError           SlowDown / ServerIsBusy / ToManyCreatesInOneDay
    ├── UnexpectedResponseError      an answer outside the contract (HTML 500, bad JSON)
    └── PdfUnavailableError          the posting SUCCEEDED but no PDF could be obtained;
                                     .result holds the committed PostingResult

Every message is one line that starts with the operation, e.g.
``POST Crud/DebtorOrder: Uniconta answered FieldHasinvalidValue``.  Messages never contain
the password or the ``Authorization`` header: the client redacts them before raising.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "THROTTLE_CODES",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "GatewayError",
    "NotFoundError",
    "PdfUnavailableError",
    "PostingOutcomeUnknown",
    "ThrottledError",
    "TransportError",
    "UnexpectedResponseError",
    "UnicontaError",
    "UnsupportedFeatureError",
]

#: ErrorCodes names that mean "too many calls" (mapped to :class:`ThrottledError`).
THROTTLE_CODES: frozenset[str] = frozenset({"SlowDown", "ServerIsBusy", "ToManyCreatesInOneDay"})


class GatewayError(Exception):
    """Base class of every error raised by :class:`sync.uniconta.gateway.GatewayClient`.

    ``operation`` is the short label of the call (``"POST Crud/DebtorOrder"``) or ``None`` for
    purely client-side errors; ``status_code`` is the HTTP status when there was a response.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.operation = operation
        self.status_code = status_code
        text = f"{operation}: {message}" if operation else message
        super().__init__(_one_line(text))

    @property
    def message(self) -> str:
        """The full one-line message (same as ``str(exc)``)."""
        return str(self.args[0]) if self.args else ""


class ConfigurationError(GatewayError, ValueError):
    """Client-side misuse or bad settings; no request (or no further request) was made."""


class UnsupportedFeatureError(ConfigurationError):
    """The requested operation needs a sidecar extension (§2.8) this gateway does not have."""


class TransportError(GatewayError):
    """No usable HTTP answer: connection error, timeout, dropped response or 502/503/504.

    For GET/PATCH/DELETE the client has already retried.  For a POST (insert, posting) the
    request was NOT retried, because it may have been carried out: check before retrying.
    ``request_sent`` is ``False`` only when the connection could not even be opened.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
        request_sent: bool | None = None,
    ) -> None:
        self.request_sent = request_sent
        super().__init__(message, operation=operation, status_code=status_code)


class PostingOutcomeUnknown(TransportError):
    """An invoice posting may or may not have committed in Uniconta.

    Never post again blindly: first ``query("DebtorInvoice", OrderNumber=order_number)``.
    ``pdf`` carries PDF bytes already received (fallback mode) when the failure happened
    while reading back the invoice number.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
        request_sent: bool | None = None,
        order_number: int | None = None,
        pdf: bytes | None = None,
    ) -> None:
        self.order_number = order_number
        self.pdf = pdf
        super().__init__(
            message, operation=operation, status_code=status_code, request_sent=request_sent
        )


class AuthenticationError(GatewayError):
    """401 (missing/invalid Basic header) or 403 (login refused by Uniconta).

    ``code`` is the ErrorCodes name from a 403 body (e.g. ``"UserOrPasswordIsWrong"``).
    Never carries the password or the Authorization header.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        self.code = code
        super().__init__(message, operation=operation, status_code=status_code)


class NotFoundError(GatewayError):
    """404: unknown or not granted company, unknown route, or no stored invoice PDF."""


class BadRequestError(GatewayError):
    """400 with a text body (unknown type, ``Invalid filter``, unconvertible value...)."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = 400,
        text: str = "",
    ) -> None:
        self.text = text
        super().__init__(message, operation=operation, status_code=status_code)


_CONFLICT_RE = re.compile(r"\((\d+)\).*\((\d+)\)")


class ConflictError(GatewayError):
    """409: more rows match the filter than ``limit`` allows; nothing was changed.

    ``matched`` and ``limit`` are parsed from the gateway text when present.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = 409,
        text: str = "",
    ) -> None:
        self.text = text
        found = _CONFLICT_RE.search(text)
        self.matched: int | None = int(found.group(1)) if found else None
        self.limit: int | None = int(found.group(2)) if found else None
        super().__init__(message, operation=operation, status_code=status_code)


class UnicontaError(GatewayError):
    """Uniconta refused the call: HTTP 500 whose body is a JSON string ErrorCodes name.

    ``code`` is that NAME (``"KeyExists"``, ``"CouldNotFind"``...); ``details`` holds extra
    context such as ``ErrorProperty``/``ErrorValue`` from a posting result.
    """

    def __init__(
        self,
        code: str,
        *,
        operation: str | None = None,
        status_code: int | None = 500,
        details: str | None = None,
    ) -> None:
        self.code = code
        self.details = details
        message = f"Uniconta answered {code}"
        if details:
            message += f" ({details})"
        super().__init__(message, operation=operation, status_code=status_code)


class ThrottledError(UnicontaError):
    """Uniconta throttled the user (SlowDown, ServerIsBusy, ToManyCreatesInOneDay).

    A throttle answer is a definite "not done": retrying later is safe for every method.
    """


class UnexpectedResponseError(GatewayError):
    """The gateway answered outside the contract (e.g. HTML 500, JSON of the wrong shape)."""


class PdfUnavailableError(GatewayError):
    """The invoice WAS posted but its PDF could not be obtained.

    ``result`` is the committed :class:`sync.uniconta.records.PostingResult` (typed
    loosely here: the records module builds on these errors); record it before
    anything else.  The PDF may be fetched later with ``invoice_pdf`` (extension).
    """

    def __init__(
        self,
        message: str,
        *,
        result: Any,
        operation: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.result = result
        super().__init__(message, operation=operation, status_code=status_code)


def _one_line(text: Any) -> str:
    """Collapse whitespace so every message is a single line."""
    return " ".join(str(text).split())
