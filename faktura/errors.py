"""Errors a user can act on.

Every expected failure in Faktura is an `InvalidInput` (bad data: names the field and the
problem) or another `FakturaError`. The CLI and the HTTP API print these as one clear message;
anything else is a bug and may show a traceback.

Validation messages never repeat the offending *value*: a mistyped password must not end up in
a terminal, a log file or an HTTP response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError


class FakturaError(Exception):
    """Base of every error Faktura reports to a user instead of crashing."""


class ContentChanged(FakturaError):
    """The source invoice changed after it was issued; issued invoices are never altered."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (a field path, `field_path`'s shape) and what."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(FakturaError, ValueError):
    """The input (an invoice, a settings file, a request) is not acceptable.

    >>> str(InvalidInput("invoice.json", [Problem("lines[0].quantity", "must be a number")]))
    'invoice.json: lines[0].quantity: must be a number'
    """

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self._summary())

    def _summary(self) -> str:
        body = "; ".join(str(p) for p in self.problems)
        return f"{self.source}: {body}" if self.source else body

    @classmethod
    def from_validation_error(cls, source: str, error: ValidationError) -> InvalidInput:
        """Turn pydantic's error into field/problem pairs, dropping the input values."""
        return cls(source, problems_from_validation_error(error))


class RedactedValidationError(Exception):
    """A pydantic `ValidationError` as it may be logged: each field and its problem, no value.

    pydantic's own text repeats every offending input (`input_value='…'`), which would put a
    customer's data or a password in the server log.
    """


def redacted(error: BaseException) -> BaseException:
    """`error` fit for a log: a `ValidationError`, also one in its chain of causes, becomes a
    `RedactedValidationError` with the same traceback and no input values.

    >>> from pydantic import BaseModel
    >>> class M(BaseModel):
    ...     n: int
    >>> try:
    ...     M(n="secret")
    ... except ValidationError as error:
    ...     print(redacted(error))
    M: n: Input should be a valid integer, unable to parse string as an integer
    """
    if isinstance(error, ValidationError):
        text = "; ".join(str(p) for p in problems_from_validation_error(error))
        safe: BaseException = RedactedValidationError(f"{error.title}: {text}")
        safe.__traceback__ = error.__traceback__
        safe.__cause__ = redacted(error.__cause__) if error.__cause__ else None
        safe.__suppress_context__ = True
        return safe
    if error.__cause__ is not None:
        error.__cause__ = redacted(error.__cause__)
    if error.__context__ is not None:
        error.__context__ = redacted(error.__context__)
    return error


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    """Field/problem pairs of a pydantic error, without the input values.

    A check across fields names the field it is about as its message's first word
    (`"due_date: is before the issue_date"`); that name becomes part of the field path.
    """
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        loc = [str(part) for part in item["loc"]]
        message = item["msg"]
        # pydantic prefixes custom errors with "Value error, "; the user does not need it.
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        named = _NAMED_FIELD.match(message) if item["type"] == "value_error" else None
        if named:
            loc.append(named.group(1))
            message = named.group(2)
        problems.append(Problem(field_path(*(int(part) if part.isdigit() else part
                                             for part in loc)), message))
    return problems


def field_path(*parts: str | int) -> str:
    """The one shape every refusal names its field in: names joined by dots, list positions
    (0-based, as in the JSON) in brackets.

    >>> field_path("lines", 2, "vat")
    'lines[2].vat'
    >>> field_path("customer", "address", "country_code")
    'customer.address.country_code'
    """
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


_NAMED_FIELD = re.compile(r"([a-z_][a-z0-9_]*): (.+)", re.DOTALL)
