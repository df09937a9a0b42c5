"""Reading a JSON request body ourselves: exact decimals, clear errors, no echoed input.

FastAPI's own body parsing would turn amounts into binary floats; invoices need `Decimal`.
The body is read through the size-limit middleware, so it is never larger than the limit.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request

from api.problems import ApiProblem
from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice, parse_invoice

JSON_TYPES = ("application/json",)


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
        return json.loads(raw, parse_float=Decimal)
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
