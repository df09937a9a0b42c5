"""HTTP machinery shared by the gateway client and the official REST client.

Private: import the public names from :mod:`sync.uniconta.gateway`.  What lives here is what both
transports do the same way - the constructor's credential and company checks, the request loop
with back-off (:class:`RetryPolicy`), call counting (:class:`CallStats`) and the ``on_call`` hook
(:class:`CallEvent`), secret redaction, the repr and pickling guards, JSON row parsing.  Each
client keeps its routes, its Basic auth username, its error body shape and its error messages
by overriding the ``_error_info`` / ``_code_retryable`` / ``_transport_error`` /
``_status_error`` hooks of :class:`HttpClientBase`.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self

import httpx
from pydantic import SecretStr

from sync.uniconta.errors import (
    THROTTLE_CODES,
    ConfigurationError,
    GatewayError,
    NotFoundError,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
    UnicontaError,
)

if TYPE_CHECKING:
    from sync.uniconta.records import CompanyInfo

#: ErrorCodes answers that are retried (for every method: they mean "not done").
RETRY_CODES: frozenset[str] = frozenset({"SlowDown", "ServerIsBusy", "UserNotLoggedIn"})
#: HTTP statuses retried for idempotent requests only.
RETRY_STATUSES: frozenset[int] = frozenset({502, 503})
#: httpx errors raised before any byte of the request left this process.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Why a request without a definite answer was not repeated (message tail).
NOT_RETRIED = (
    "; not retried because the request may have been carried out - check before trying again"
)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off for the retryable answers (see :mod:`sync.uniconta.gateway`).

    ``max_attempts`` counts the first try (1 = never retry).  The n-th retry waits
    ``min(max_delay, base_delay * multiplier**(n-1))`` plus up to ``jitter`` of that at
    random; a ``Retry-After`` header in seconds is honoured up to ``max_delay``.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 8.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.jitter) < 0 or self.multiplier < 1:
            raise ConfigurationError("RetryPolicy delays must be >= 0 and multiplier >= 1")

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        if retry_after is not None:
            return min(self.max_delay, max(0.0, retry_after))
        base = min(self.max_delay, self.base_delay * self.multiplier ** (retry_number - 1))
        return base + (random.uniform(0, base * self.jitter) if base and self.jitter else 0.0)


@dataclass(frozen=True)
class CallEvent:
    """One HTTP attempt, as given to the ``on_call`` hook.

    ``route`` is the path label without host, query string or body
    (``"Query/Debtor"``, ``"Invoice/DebtorOrders/5012"``); ``status`` is ``None`` when no
    response arrived; ``error`` is an ErrorCodes name, ``"HTTP 503"`` or an exception class
    name; ``will_retry`` tells whether the client retries after this attempt.
    """

    method: str
    route: str
    kind: str
    status: int | None
    duration: float
    attempt: int
    error: str | None = None
    will_retry: bool = False


class CallStats:
    """Thread-safe counter of HTTP attempts, total and per route kind.

    Kinds: ``companies``, ``index``, ``query``, ``insert``, ``patch``, ``delete``,
    ``post_invoice``, ``invoice_pdf`` (and ``update`` on the REST transport).  Every attempt
    counts (a retried call counts twice: Uniconta's daily call quota counts them too).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.by_kind: dict[str, int] = {}

    def record(self, kind: str) -> None:
        """Count one attempt of ``kind``."""
        with self._lock:
            self.total += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def snapshot(self) -> dict[str, int]:
        """``{"total": n, "<kind>": n, ...}``, a copy safe to keep."""
        with self._lock:
            return {"total": self.total, **self.by_kind}

    def since(self, snapshot: Mapping[str, int]) -> dict[str, int]:
        """Calls made after ``snapshot`` was taken (kinds with zero calls omitted)."""
        now = self.snapshot()
        return {k: v - snapshot.get(k, 0) for k, v in now.items() if v - snapshot.get(k, 0)}

    def reset(self) -> None:
        """Zero all counters."""
        with self._lock:
            self.total = 0
            self.by_kind = {}

    def __repr__(self) -> str:
        return f"CallStats({self.snapshot()})"


@dataclass(frozen=True)
class Call:
    """What the error hooks learn of a failed call: ``"GET Query/Debtor"``, whether it was
    idempotent, how many attempts were made, and the client's own ``context``."""

    operation: str
    idempotent: bool
    attempts: int
    context: Any = None


# --------------------------------------------------------------------------- the shared base


class HttpClientBase:
    """Credentials, company, retrying request loop and bookkeeping of one Uniconta client.

    Subclasses set the class attributes below and override the error hooks.
    """

    #: Class name shown in reprs and in the pickling refusal.
    _CLIENT_NAME: ClassVar[str]
    #: How messages name the service (``"gateway"``, ``"REST"``).
    _SERVICE: ClassVar[str]
    #: Message when no login is given.
    _LOGIN_REQUIRED: ClassVar[str]
    #: Appended to the "base_url must not contain credentials" message.
    _URL_CREDENTIALS_HINT: ClassVar[str] = ""
    #: Message when a body is JSON but not an object or array of objects.
    _ROWS_EXPECTED: ClassVar[str]
    #: Logger of the request log lines and hook failures.
    _logger: ClassVar[logging.Logger]

    def __init__(
        self,
        base_url: str,
        login: str,
        password: str | SecretStr,
        company: int | str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        on_call: Callable[[CallEvent], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_base_url(base_url, self._SERVICE, self._URL_CREDENTIALS_HINT)
        if not login:
            raise ConfigurationError(self._LOGIN_REQUIRED)
        self.login = login
        self._password = password if isinstance(password, SecretStr) else SecretStr(password)
        if isinstance(company, bool) or not isinstance(company, int | str) or company == "":
            raise ConfigurationError(f"company must be an id or a name, not {company!r}")
        self.company = company
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.on_call = on_call
        self.stats = CallStats()
        self._sleep = sleep
        self._company_info: CompanyInfo | None = None
        self._companies: list[CompanyInfo] | None = None
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass either http_client or transport, not both")
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, follow_redirects=False)

    # ----------------------------------------------------------------- lifecycle / repr

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{self._CLIENT_NAME}(base_url={self.base_url!r}, login={self.login!r}, "
            f"company={self.company!r}{self._repr_extra()})"
        )

    def __str__(self) -> str:
        return repr(self)

    def _repr_extra(self) -> str:
        return ""

    def __getstate__(self) -> NoReturn:
        raise TypeError(
            f"{self._CLIENT_NAME} holds credentials and an open connection; not picklable"
        )

    # ----------------------------------------------------------------- company

    def resolve_company(self, *, refresh: bool = False) -> CompanyInfo:
        raise NotImplementedError

    @property
    def company_id(self) -> int:
        """Numeric id of the configured company (resolves on first use)."""
        return self.resolve_company().company_id

    def _company_request(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        """One call on a route of the configured company (the client's URL and username)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- CRUD shared

    def _merged_query(
        self, route: str, param_sets: Iterable[Sequence[tuple[str, str]]]
    ) -> list[dict[str, Any]]:
        """``GET route`` once per parameter set; the rows merged by ``RowId``."""
        rows: list[dict[str, Any]] = []
        seen: set[Any] = set()
        for params in param_sets:
            response = self._company_request(
                "GET", route, kind="query", params=params, idempotent=True
            )
            for row in self._json_rows(response, f"GET {route}"):
                key = row.get("RowId")
                if key is not None and key in seen:
                    continue
                seen.add(key)
                rows.append(row)
        return rows

    def _post_insert(self, route: str, body: Any) -> list[dict[str, Any]]:
        """``POST route`` (never retried without an answer); the stored rows."""
        response = self._company_request(
            "POST", route, kind="insert", json_body=body, idempotent=False
        )
        return self._json_rows(response, f"POST {route}")

    # ----------------------------------------------------------------- error hooks

    def _error_info(self, response: httpx.Response) -> tuple[str | None, str | None]:
        """``(ErrorCodes name, message)`` of an error answer."""
        raise NotImplementedError

    def _code_retryable(self, status: int) -> bool:
        """Whether an answer with this status and a retry code means "not done"."""
        raise NotImplementedError

    def _transport_error(self, call: Call, exc: httpx.TransportError) -> TransportError:
        """The error for a request that got no answer and is not tried again."""
        raise NotImplementedError

    def _status_error(
        self, call: Call, response: httpx.Response, code: str | None, message: str | None
    ) -> GatewayError:
        """The error for a refused (or otherwise unexpected) answer."""
        raise NotImplementedError

    def _credential_usernames(self) -> Iterable[str]:
        """Every Basic auth username this client sends (for :meth:`_redact`)."""
        return (self.login,)

    # ----------------------------------------------------------------- the request loop

    def _send(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        label: str,
        idempotent: bool,
        username: str | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        expect: tuple[int, ...] = (200,),
        context: Any = None,
    ) -> httpx.Response:
        """Send one logical call with the retry policy; return the accepted response.

        ``path`` is appended to ``base_url``; ``label`` names the route in events, logs and
        errors; ``context`` is handed to the error hooks unchanged.
        """
        operation = f"{method} {label}"
        all_headers = {"Accept": "application/json", **(headers or {})}
        body = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        auth = httpx.BasicAuth(username or self.login, self._password.get_secret_value())
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self._http.request(
                    method,
                    self.base_url + path,
                    params=list(params or ()),
                    content=body,
                    headers=all_headers,
                    auth=auth,
                    timeout=timeout if timeout is not None else self.timeout,
                )
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL) as exc:
                self._emit(method, label, kind, None, started, attempt, type(exc).__name__, False)
                raise ConfigurationError(
                    self._redact(f"cannot send request: {exc}"), operation=operation
                ) from None
            except httpx.TransportError as exc:
                retry = idempotent and attempt < self.retry.max_attempts
                self._emit(method, label, kind, None, started, attempt, type(exc).__name__, retry)
                if retry:
                    self._sleep(self.retry.delay(attempt))
                    continue
                call = Call(operation, idempotent, attempt, context)
                raise self._transport_error(call, exc) from exc

            status = response.status_code
            code, message = self._error_info(response)
            retry = attempt < self.retry.max_attempts and (
                (code in RETRY_CODES and self._code_retryable(status))
                or (idempotent and status in RETRY_STATUSES)
            )
            error = None if status in expect else (code or f"HTTP {status}")
            self._emit(method, label, kind, status, started, attempt, error, retry)
            if retry:
                self._sleep(self.retry.delay(attempt, retry_after(response)))
                continue
            if status in expect:
                return response
            call = Call(operation, idempotent, attempt, context)
            raise self._status_error(call, response, code, message)

    def _emit(
        self,
        method: str,
        route: str,
        kind: str,
        status: int | None,
        started: float,
        attempt: int,
        error: str | None,
        will_retry: bool,
    ) -> None:
        self.stats.record(kind)
        event = CallEvent(
            method=method,
            route=route,
            kind=kind,
            status=status,
            duration=time.monotonic() - started,
            attempt=attempt,
            error=error,
            will_retry=will_retry,
        )
        self._logger.log(
            logging.WARNING if will_retry else logging.DEBUG,
            "%s %s -> %s in %.3fs (attempt %d%s%s)",
            method,
            route,
            status if status is not None else "no response",
            event.duration,
            attempt,
            f", {error}" if error else "",
            ", retrying" if will_retry else "",
        )
        if self.on_call is not None:
            try:
                self.on_call(event)
            except Exception:  # a logging hook must never break a posting or a call
                self._logger.exception("on_call hook failed for %s %s", method, route)

    def _redact(self, text: str) -> str:
        """Remove the password and every Basic credential this client sends from ``text``."""
        secret = self._password.get_secret_value()
        if not secret:
            return text
        for username in self._credential_usernames():
            token = base64.b64encode(f"{username}:{secret}".encode()).decode()
            text = text.replace(token, "***")
        return text.replace(secret, "***")

    # ----------------------------------------------------------------- bodies

    def _json(self, response: httpx.Response, operation: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponseError(
                f"HTTP {response.status_code} body is not JSON",
                operation=operation,
                status_code=response.status_code,
            ) from None

    def _json_rows(self, response: httpx.Response, operation: str) -> list[dict[str, Any]]:
        data = self._json(response, operation)
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise UnexpectedResponseError(
                self._ROWS_EXPECTED,
                operation=operation,
                status_code=response.status_code,
            )
        return data


# --------------------------------------------------------------------------- helpers


def check_base_url(base_url: str, service: str, credentials_hint: str = "") -> str:
    """``base_url`` without a trailing ``/``; refused unless an absolute, bare http(s) URL."""
    try:
        url = httpx.URL(base_url)
    except Exception as exc:  # httpx.InvalidURL and friends
        raise ConfigurationError(f"invalid {service} base_url: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{service} base_url must be an absolute http(s) URL")
    if url.userinfo:
        raise ConfigurationError(
            f"{service} base_url must not contain credentials{credentials_hint}"
        )
    if url.query or url.fragment:
        raise ConfigurationError(f"{service} base_url must not have a query or fragment")
    return str(url).rstrip("/")


def company_id_of(company: int | str) -> int | None:
    """The configured company as an id, ``None`` when it is given by name."""
    if isinstance(company, int):
        return company
    text = company.strip()
    return int(text) if text.isdigit() else None


def pick_company(
    companies: Sequence[CompanyInfo], wanted: int | str, wanted_id: int | None, operation: str
) -> CompanyInfo:
    """The configured company among ``companies``: by id, else by name (exact, then casefold)."""
    if wanted_id is not None:
        for info in companies:
            if info.company_id == wanted_id:
                return info
        raise NotFoundError(
            f"company {wanted_id} is not among this user's companies", operation=operation
        )
    name = str(wanted).strip()
    exact = [c for c in companies if (c.name or "").strip() == name]
    matches = exact or [
        c for c in companies if (c.name or "").strip().casefold() == name.casefold()
    ]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(f"{c.name!r} ({c.company_id})" for c in companies) or "none"
    if not matches:
        raise NotFoundError(
            f"no company named {name!r}; this user has: {known}", operation=operation
        )
    raise ConfigurationError(
        f"company name {name!r} is ambiguous ({known}); configure the company id",
        operation=operation,
    )


def insert_items(
    obj_or_list: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[Mapping[str, Any]] | None:
    """``None`` for one object, else the list of objects to insert (checked)."""
    if isinstance(obj_or_list, Mapping):
        return None
    items = list(obj_or_list)
    if not all(isinstance(x, Mapping) for x in items):
        raise ConfigurationError("insert expects a mapping or a list of mappings")
    return items


def check_filters_and_limit(filters: Mapping[str, Any], limit: int) -> None:
    """Refuse an unfiltered patch/delete and a limit that is not a non-negative int."""
    if not filters:
        raise ConfigurationError("patch/delete need at least one filter")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ConfigurationError(f"limit must be a non-negative int, not {limit!r}")


def unavailable(call: Call, status: int, head: str) -> TransportError:
    """:class:`TransportError` for a 502/503/504 answer; ``head`` names the service."""
    return TransportError(
        head + gave_up(call.idempotent, call.attempts),
        operation=call.operation,
        status_code=status,
        request_sent=True,
    )


def gave_up(idempotent: bool, attempts: int) -> str:
    """Message tail: how many attempts were made, or why none was repeated."""
    return f"after {attempts} attempt(s)" if idempotent else NOT_RETRIED


def coded_error(
    code: str, operation: str, status: int, attempts: int, details: str | None = None
) -> UnicontaError:
    """:class:`ThrottledError` or :class:`UnicontaError` for an ErrorCodes answer."""
    cls = ThrottledError if code in THROTTLE_CODES else UnicontaError
    details = f"after {attempts} attempts" if attempts > 1 else details
    return cls(code, operation=operation, status_code=status, details=details)


def unexpected_status(operation: str, status: int, text: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"unexpected HTTP {status}{': ' + text[:200] if text else ''}",
        operation=operation,
        status_code=status,
    )


def transport_what(exc: httpx.TransportError) -> str:
    """``"ConnectError: reason"`` (unredacted) for a message."""
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds, ``None`` when absent or not a number."""
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def one_line(text: str) -> str:
    return " ".join(text.split())
