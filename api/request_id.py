"""The request id: the caller's `X-Request-ID` when it is a sane token, else a new one.

`RequestLog` (`api.requestlog`) sets it for the time a request is answered; problem documents
carry it as `request_id` (`current_request_id()`), answers in the `X-Request-ID` header.

>>> is_sane(b"checkout-7f3a"), is_sane(b"two words"), is_sane(b"x" * 65)
(True, False, False)
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

HEADER = b"x-request-id"
PATTERN = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def is_sane(value: bytes) -> bool:
    """1-64 characters of `A-Z a-z 0-9 . _ : -`."""
    return PATTERN.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being answered (None outside a request)."""
    return _current.get()


def set_request_id(request_id: str) -> Token[str | None]:
    return _current.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _current.reset(token)
