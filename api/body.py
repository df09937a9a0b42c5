"""Reading a JSON request body ourselves: exact decimals, clear errors, no echoed input.

FastAPI's own body parsing would turn amounts into binary floats; invoices need `Decimal`.
The body is read through the size-limit middleware, so it is never larger than the limit.

A body is refused (422, naming the field) when an object gives one key twice (which one
would count is not for a parser to guess), when a number has more than `MAX_NUMBER_CHARS`
characters (no field holds one that long; Python's own limit on integer digits would
otherwise fail the request with a crash), or when it uses the non-JSON `NaN`/`Infinity`.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

from fastapi import Request

from api.problems import ApiProblem
from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice, parse_invoice

JSON_TYPES = ("application/json",)
#: The longest number literal a body may hold: more than any field of an invoice needs.
MAX_NUMBER_CHARS = 40


class _Refused:
    """Stands in for a value the parser refused, so the walk afterwards can name its field."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _Duplicated(dict[str, Any]):
    """A JSON object that gave some keys more than once (always refused)."""

    def __init__(self, pairs: list[tuple[str, Any]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


def _problems(data: Any) -> list[Problem]:
    """Duplicate keys and refused numbers, each with its field path (`lines[1].quantity`)."""
    problems = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, _Refused):
            problems.append(Problem(path, node.message))
        elif isinstance(node, dict):
            if isinstance(node, _Duplicated):
                problems.extend(Problem(f"{path}.{key}" if path else key,
                                        "is given more than once") for key in node.duplicates)
            stack.extend((f"{path}.{key}" if path else str(key), value)
                         for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{path}[{index}]", value)
                         for index, value in reversed(list(enumerate(node))))
    return problems


def parse_json(raw: bytes | str) -> Any:
    """JSON text as data (numbers with a fraction as exact `Decimal`), or a 422 naming each
    duplicate key and each refused number; malformed JSON raises as `json.loads` does."""
    refused = False

    def refuse(message: str) -> _Refused:
        nonlocal refused
        refused = True
        return _Refused(message)

    def parse_int(text: str) -> int | _Refused:
        if len(text.lstrip("-")) > MAX_NUMBER_CHARS:
            return refuse(f"a number of more than {MAX_NUMBER_CHARS} digits")
        return int(text)

    def parse_float(text: str) -> Decimal | _Refused:
        if len(text) > MAX_NUMBER_CHARS:
            return refuse(f"a number of more than {MAX_NUMBER_CHARS} characters")
        return Decimal(text)

    def parse_constant(text: str) -> _Refused:
        return refuse(f"{text} is not a JSON number")

    def parse_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) == len(pairs):
            return data
        counts = Counter(key for key, _ in pairs)
        refuse("")
        return _Duplicated(pairs, sorted(key for key, count in counts.items() if count > 1))

    data = json.loads(raw, parse_float=parse_float, parse_int=parse_int,
                      parse_constant=parse_constant, object_pairs_hook=parse_object)
    if refused:
        raise ApiProblem(422, "the body's JSON gives a key twice or holds a number no field"
                         " can take", errors=_problems(data))
    return data


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))


async def read_json(request: Request) -> Any:
    """The body as JSON data (415 if not JSON, 400 if malformed)."""
    if not _is_json(request.headers.get("content-type", "")):
        raise ApiProblem(415, "send the body as application/json",
                         errors=[Problem("Content-Type", "must be application/json")])
    raw = await request.body()
    try:
        return parse_json(raw)
    except UnicodeDecodeError:
        raise ApiProblem(400, "the body is not UTF-8 text",
                         errors=[Problem("", "not valid UTF-8")]) from None
    except json.JSONDecodeError as error:
        raise ApiProblem(400, "the body is not valid JSON", errors=[Problem(
            "", f"{error.msg} at line {error.lineno} column {error.colno}")]) from None
    except RecursionError:
        raise ApiProblem(400, "the body is nested too deeply",
                         errors=[Problem("", "nested too deeply")]) from None


async def read_invoice(request: Request) -> Invoice:
    """The body as a validated invoice (our shape or a TimeLog export); else 4xx."""
    return parse_invoice_safely(await read_json(request))


def parse_invoice_safely(data: object, source: str = "invoice") -> Invoice:
    """`parse_invoice`, with a malformed TimeLog export reported as a 422, not a crash."""
    try:
        return parse_invoice(data, source)
    except InvalidInput:
        raise
    except (TypeError, AttributeError, KeyError, ValueError):
        raise InvalidInput(source, [Problem("", "not a valid invoice or TimeLog export: a"
                                            " field has the wrong type")]) from None
