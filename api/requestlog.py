"""One JSON log line per request, a request id on every answer, and the last-resort 500.

`RequestLog` is the outermost ASGI middleware. For each HTTP request it

* takes the caller's `X-Request-ID` if it is a sane token (1-64 of `A-Z a-z 0-9 . _ : -`),
  else makes one (`api.request_id`), and returns it in the `X-Request-ID` header of every
  answer (it is also `request_id` in every problem document);
* writes one line to the `api.requests` logger when the answer is sent::

    {"request_id": "…", "method": "POST", "route": "/v1/archive/{invoice_number}",
     "status": 201, "duration_ms": 12.3, "tenant": "revisorhuset"}

  The route is the matched route's template, never the raw path or the query string, and no
  header or body is read, so no customer text, API key or invoice content reaches the log;
* turns an exception nothing else handled into a 500 problem document and logs only its type
  and where it was raised (`api.problems.describe_exception`): its message may quote input.

The tenant is noted by the authentication dependency (`note_tenant`) in the request's scope
state, which the middleware shares with the route.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import describe_exception, problem_response
from api.request_id import (
    HEADER,
    is_sane,
    new_request_id,
    reset_request_id,
    set_request_id,
)

request_log = logging.getLogger("api.requests")


def note_tenant(scope: Scope, tenant: str) -> None:
    """Record who the request was authenticated as, for its log line."""
    scope.setdefault("state", {})["tenant"] = tenant


def incoming_request_id(scope: Scope) -> str | None:
    """The caller's `X-Request-ID`, if it is one sane token (`api.request_id`)."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            return value.decode("ascii") if is_sane(value) else None
    return None


def log_request(fields: dict[str, Any], status: int | None) -> None:
    """Write one request's line (5xx as errors)."""
    level = logging.ERROR if status is None or status >= 500 else logging.INFO
    request_log.log(level, json.dumps(fields, ensure_ascii=True))


class RequestLog:
    """ASGI middleware: request id, one structured log line, a 500 for unhandled errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = set_request_id(request_id)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() != HEADER]
                headers.append((HEADER, request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - answered here, logged without its message
            error = describe_exception(exc)
            if status is None:
                response = problem_response(500, "an unexpected error occurred",
                                            instance=scope.get("path"))
                await response(scope, receive, send_with_id)
            # else: the answer had begun; returning unfinished makes the server close it
        finally:
            route = scope.get("route")
            fields: dict[str, Any] = {
                "request_id": request_id,
                "method": scope.get("method"),
                "route": getattr(route, "path", None),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "tenant": state.get("tenant"),
            }
            if error is not None:
                fields["error"] = error
            log_request(fields, status)
            reset_request_id(token)
