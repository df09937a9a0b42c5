"""Exceptions that map one-to-one onto the gateway's error responses (§2.6)."""

from __future__ import annotations


class UnicontaError(Exception):
    """Uniconta answered a non-``Succes`` ErrorCodes value ⇒ 500 with a JSON string body."""

    def __init__(self, code: str, status: int = 500) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class BadRequest(Exception):
    """Malformed input or a rejected lookup ⇒ 400 ``text/plain`` with the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyMatches(Exception):
    """More rows match a PATCH/DELETE filter than ``limit`` allows ⇒ 409 ``text/plain``."""

    def __init__(self, count: int, limit: int) -> None:
        self.message = (
            f"There are more values ({count}) matching filter then allowed by the limit ({limit})"
        )
        super().__init__(self.message)


INVALID_FILTER = "Invalid filter"
TYPE_NOT_FOUND = "The type  was not found"  # sic: upstream interpolates a null Type
