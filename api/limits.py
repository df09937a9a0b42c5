"""Refuse request bodies over the limit early, without holding them in memory.

A pure ASGI middleware: a declared `Content-Length` over the limit is refused before the body
is read at all; a body without one (chunked) is counted as it streams in and refused as soon
as the count passes the limit. Either way the answer is 413 problem+json. A `Content-Length`
that is not one decimal number (garbage, negative, two different values) is a 400 problem:
the HTTP server usually refuses it first (`api.server`), this is for any other server.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from faktura.errors import Problem

DEFAULT_MAX_BODY = 10 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit (an HTTPException, so
    FastAPI passes it through its body parsing unchanged)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodySizeLimit:
    """ASGI middleware: bodies larger than `max_bytes` get 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            declared = _content_length(scope)
        except ValueError:
            await problem_response(400, "the Content-Length header is not one decimal number",
                                   [Problem("Content-Length", "must be one decimal number")],
                                   instance=scope.get("path"),
                                   headers={"Connection": "close"})(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, f"the request body is larger than the limit of {self.max_bytes} bytes",
            instance=scope.get("path"), headers={"Connection": "close"})
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length; ValueError unless every `Content-Length` is the same number."""
    values = {value.strip() for name, value in scope.get("headers", ())
              if name == b"content-length"}
    if not values:
        return None
    if len(values) > 1 or not all(v.isdigit() for v in values) or len(next(iter(values))) > 18:
        raise ValueError("bad Content-Length")
    return int(next(iter(values)))
