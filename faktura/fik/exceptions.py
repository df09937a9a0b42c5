"""Exceptions raised by :mod:`faktura.fik`.

All of them derive from :class:`FikError`, which derives from :class:`ValueError`, so callers
that already catch ``ValueError`` keep working, and callers that want to can tell the cases
apart. Every exception knows which field was wrong (``field``), the offending value
(``value``) and what is wrong with it (``problem``); ``str(exc)`` puts the three together:

>>> err = InvalidFormat("payment ID", "12a4", "only digits 0-9 are allowed")
>>> str(err)
"payment ID '12a4': only digits 0-9 are allowed"
>>> isinstance(err, ValueError), err.field
(True, 'payment ID')
"""

from __future__ import annotations

__all__ = [
    "FikError",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
]

_MAX_SHOWN = 60  # longest value quoted in full in a message


def _show(value: object) -> str:
    """Quote a value for an error message, shortening absurdly long input (message only)."""
    shown = repr(value)
    if len(shown) > _MAX_SHOWN:
        shown = shown[: _MAX_SHOWN - 4] + "...'"
    return shown


class FikError(ValueError):
    """Base class: a value does not make a valid FI payment code (or part of one)."""

    __module__ = "faktura.fik"  # shown in tracebacks as the public name, faktura.fik.FikError

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        subject = field if value is None else f"{field} {_show(value)}"
        super().__init__(f"{subject}: {problem}")

    def __reduce__(self):  # keep the exception picklable despite the keyword-ish signature
        return (type(self), (self.field, self.value, self.problem))


class InvalidFormat(FikError):
    """The value has the wrong shape: characters other than digits, or a malformed line."""

    __module__ = "faktura.fik"


class InvalidLength(FikError):
    """The value has the wrong number of digits (too long to fit, or not exactly N)."""

    __module__ = "faktura.fik"


class InvalidChecksum(FikError):
    """The check digit does not match the rest of the number."""

    __module__ = "faktura.fik"


class InvalidComponent(FikError):
    """A part is well formed but not allowed: payment ID 0, unknown card type, and so on."""

    __module__ = "faktura.fik"
