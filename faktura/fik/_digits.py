"""Small private helpers shared by the FIK modules (not public API)."""

from __future__ import annotations

from faktura.fik.exceptions import InvalidFormat


def is_digits(value: str) -> bool:
    """True for a non-empty string of ASCII digits 0-9 only (``str.isdigit`` also accepts '²')."""
    return value.isascii() and value.isdigit()


def compact(value: str, field: str) -> str:
    """Remove spaces (printed grouping) from a string; refuse anything that is not a string."""
    if not isinstance(value, str):
        kind = type(value).__name__
        raise InvalidFormat(field, value, f"expected a string of digits, not {kind}")
    return "".join(value.split())


def require_digits(value: str, field: str) -> str:
    """Return ``value`` if it is only digits, else raise :class:`InvalidFormat`."""
    if not value:
        raise InvalidFormat(field, value, "is empty")
    if not is_digits(value):
        raise InvalidFormat(field, value, "only digits 0-9 are allowed")
    return value
