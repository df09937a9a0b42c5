"""How the API is served by uvicorn (`faktura serve`): answers its HTTP parser gives are
problem+json too, and the request log (`api.requestlog`) replaces the access log.

uvicorn's h11 parser refuses a request it cannot parse (a `Content-Length` that is garbage,
negative or given twice with different values, a broken request line or header) before the
application sees it, and its own answer is `text/plain`. `ProblemH11Protocol` answers those
with a 400 problem document carrying a fresh request id (in the body and the `X-Request-ID`
header) and logs one request line for them. The access log is off: it prints the raw path with
its query string, which may hold a customer's name.

Slow and idle clients are cut off by the protocol itself (`ConnectionLimits`, see
`GuardedH11Protocol`): a request's head must arrive within `header_timeout` seconds of the
connection opening (or of the previous answer), its body within `body_timeout` seconds of its
head, else the answer is 408 and the connection is closed; connections beyond
`max_connections` in all, or `max_per_client` from one address, get 503 and are closed at once.
A trusted proxy's address (`exempt`) is not capped per client: its clients' own addresses are
only known from its headers, after the connection is made.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.problems import PROBLEM_JSON, problem_body
from api.request_id import HEADER, new_request_id
from api.requestlog import log_request

PARSER_DETAIL = ("the request is not valid HTTP/1.1 (for example a Content-Length that is not"
                 " one decimal number, or a malformed request line or header)")


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, refusing unparsable requests with problem+json."""

    def send_400_response(self, msg: str) -> None:
        request_id = new_request_id()
        body = json.dumps(problem_body(400, PARSER_DETAIL, request_id=request_id)).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()),
                   (b"content-length", str(len(body)).encode()),
                   (HEADER, request_id.encode()),
                   (b"connection", b"close")]
        try:
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # h11 cannot answer in this state: just close
            pass
        log_request({"request_id": request_id, "method": None, "route": None, "status": 400,
                     "duration_ms": 0.0, "tenant": None, "error": "unparsable HTTP request"},
                    400)
        self.transport.close()


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take to send a request, and how many connections it may hold."""

    header_timeout: float = 10.0  # seconds for a request's head (also: idle between requests)
    body_timeout: float = 60.0  # seconds for a request's body, from the end of its head
    max_connections: int = 1000  # open connections in all
    max_per_client: int = 50  # open connections from one address
    exempt: tuple[str, ...] = ()  # addresses or networks without a per-client cap (proxies)

    def is_exempt(self, host: str) -> bool:
        """Whether `host` is one of `exempt` or in one of its networks.

        >>> limits = ConnectionLimits(exempt=("10.0.0.0/8", "::1"))
        >>> limits.is_exempt("10.1.2.3"), limits.is_exempt("::1"), limits.is_exempt("11.0.0.1")
        (True, True, False)
        """
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return host in self.exempt
        for entry in self.exempt:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False


class GuardedH11Protocol(ProblemH11Protocol):
    """`ProblemH11Protocol` with time limits on a request's head and body and caps on open
    connections (`limits`; `server_config` makes a subclass holding the configured ones)."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    _timer: asyncio.TimerHandle | None = None
    _waiting_for: str | None = None  # "head" or "body": what the timer waits for

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        refusal = self._over_a_cap()
        if refusal is not None:
            self._answer_and_close(503, "Service Unavailable", refusal, "connection cap")
            return
        self._follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _over_a_cap(self) -> str | None:
        limits = self.limits
        if len(self.connections) > limits.max_connections:
            return f"the server holds its limit of {limits.max_connections} connections"
        host = self.client[0] if self.client else None
        if host is not None and not limits.is_exempt(host):
            mine = sum(1 for c in self.connections if c.client and c.client[0] == host)
            if mine > limits.max_per_client:
                return (f"this address holds its limit of {limits.max_per_client} open"
                        " connections")
        return None

    def _follow(self) -> None:
        """Arm the timer for what the connection now waits for from the client (none while
        the application works on a request that has fully arrived)."""
        if self.transport.is_closing():
            self._disarm()
            return
        state = self.conn.their_state
        wanted = "head" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None
        if wanted == self._waiting_for:
            return
        self._disarm()
        if wanted is not None:
            seconds = (self.limits.header_timeout if wanted == "head"
                       else self.limits.body_timeout)
            self._waiting_for = wanted
            self._timer = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._waiting_for = None, None

    def _too_slow(self) -> None:
        what = self._waiting_for
        self._timer, self._waiting_for = None, None
        if self.transport.is_closing():
            return
        seconds = self.limits.header_timeout if what == "head" else self.limits.body_timeout
        cycle = self.cycle if what == "body" else None
        if cycle is not None and cycle.response_started:  # too late to answer: just close
            cycle.disconnected = True
            self.transport.close()
            return
        if cycle is not None:
            cycle.disconnected = True  # the application's answer, if any, goes nowhere
        self._answer_and_close(408, "Request Timeout",
                               f"the request's {what} did not arrive within {seconds:g} s",
                               f"slow request {what}")

    def _answer_and_close(self, status: int, reason: str, detail: str, error: str) -> None:
        """A problem answer written as it is (the parser may be mid-request), then close."""
        request_id = new_request_id()
        body = json.dumps(problem_body(status, detail, request_id=request_id)).encode()
        head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: {PROBLEM_JSON}\r\n"
                f"content-length: {len(body)}\r\n{HEADER.decode()}: {request_id}\r\n"
                "connection: close\r\n\r\n").encode()
        self.transport.write(head + body)
        log_request({"request_id": request_id, "method": None, "route": None,
                     "status": status, "duration_ms": 0.0, "tenant": None, "error": error},
                    status)
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn is given, holding `limits`."""
    return type("ConfiguredH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the request log's JSON lines as they are, on standard output."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["request_line"] = {"format": "%(message)s"}
    config["handlers"]["requests"] = {"class": "logging.StreamHandler",
                                      "formatter": "request_line",
                                      "stream": "ext://sys.stdout"}
    config["loggers"]["api.requests"] = {"handlers": ["requests"], "level": "INFO",
                                         "propagate": False}
    return config


def server_config(app: Any, host: str, port: int, *, limits: ConnectionLimits | None = None,
                  **options: Any) -> uvicorn.Config:
    """The uvicorn configuration the API is served with (`faktura serve`, the socket tests).

    Proxy headers are read by the application, from its trusted proxies only (`create_app`)."""
    options.setdefault("log_config", log_config())
    return uvicorn.Config(app, host=host, port=port,
                          http=guarded_protocol(limits or ConnectionLimits()),
                          access_log=False, proxy_headers=False, **options)
