"""OpenAPI details: the request bodies, one shared `Problem` schema, every status an operation
can answer.

The invoice body is read by hand (exact decimals), so its schema is added to the document here:
the JSON Schema of `faktura.model.Invoice`, made as strict as everything the service checks
before it renders or posts (`faktura.printable`: a printed text holds only characters the
invoice's fonts print). Every 4xx/5xx answer is `application/problem+json` with the `Problem`
schema (FastAPI's own 422 included); every operation that needs an API key documents 401, and
429 for too many wrong keys (`api.signin_limits`).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from faktura import characters, printable
from faktura.model import Invoice

REF_TEMPLATE = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": REF_TEMPLATE.format(model="Problem")}
#: Most invoices one batch may hold.
MAX_BATCH_INVOICES = 10_000

#: `samples/01-one-line.json`, the example of every invoice body (a test keeps them equal).
INVOICE_EXAMPLE: dict[str, Any] = {
    "source_id": "CT-2026-0101",
    "issue_date": "2026-11-02",
    "delivery_date": "2026-10-29",
    "customer": {
        "source_id": "C-1002",
        "customer_number": "1002",
        "name": "Bageriet Kornblomsten",
        "address": {"line1": "Søndergade 31", "post_code": "8700", "city": "Horsens"},
        "vat_number": "25781236",
    },
    "buyer_reference": "Mette Holm",
    "lines": [{"text": "Årsregnskab 2025 inkl. selvangivelse", "quantity": "1",
               "unit": "stk.", "unit_price": "12500.00"}],
}

INVOICE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The invoice: Faktura's own shape (EN 16931 names), or a TimeLog export"
        " (its technical names; see the README)",
        "content": {"application/json": {
            "schema": {"$ref": REF_TEMPLATE.format(model="Invoice")},
            "examples": {"one-line": {"summary": "An invoice of one line (samples/01-one-line"
                                                 ".json)", "value": INVOICE_EXAMPLE}}}},
    }
}

BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {
            "schema": {
                "type": "object",
                "required": ["invoices"],
                "properties": {"invoices": {
                    "type": "array", "minItems": 1, "maxItems": MAX_BATCH_INVOICES,
                    "items": {"$ref": REF_TEMPLATE.format(model="Invoice")}}},
            },
            "examples": {"one-invoice": {"summary": "A batch of one invoice",
                                         "value": {"invoices": [INVOICE_EXAMPLE]}}}}},
    }
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details. `errors` names each field at fault and its"
    " problem; input values are never repeated.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path of the request"},
        "request_id": {"type": "string", "description": "The request's id, as logged"},
        "errors": {"type": "array", "items": {
            "type": "object",
            "required": ["field", "message"],
            "properties": {"field": {"type": "string",
                                     "description": "Dotted path of the field; blank: the"
                                     " body as a whole"},
                           "message": {"type": "string"}}}},
    },
}

DESCRIPTIONS = {
    400: "Malformed JSON, or not UTF-8",
    401: "Missing or unknown API key",
    404: "Not found (for this tenant)",
    406: "The Accept header allows none of the offered media types",
    409: "Conflict",
    413: "Body over the size limit",
    415: "Not application/json",
    422: "Invalid input: `errors` names each field and its problem",
    429: "Over a quota, or too many wrong API keys from this address; try again later"
         " (Retry-After)",
    500: "Unexpected error",
    502: "Uniconta refused or failed",
    503: "Busy, or Uniconta unreachable; try again later (Retry-After)",
}

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "schema": {"type": "integer"}}}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": 'Bearer realm="faktura"',
                               "schema": {"type": "string"}}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}


def problem_doc(description: str, status: int | None = None) -> dict[str, Any]:
    """An error response: `description`, the shared Problem schema as problem+json."""
    doc: dict[str, Any] = {"description": description,
                           "content": {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}}
    if status in _HEADERS:
        doc["headers"] = copy.deepcopy(_HEADERS[status])
    return doc


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses of the given statuses, with their standard descriptions."""
    return {status: problem_doc(DESCRIPTIONS[status], status) for status in statuses}


#: What every endpoint that reads a request body can answer besides its success.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = problems(400, 413, 415, 422, 503)


def _printed_patterns(schemas: dict[str, Any]) -> None:
    """Printed texts hold only what the fonts print: narrow their `pattern` to say so."""
    by_pattern = {
        characters.SINGLE_LINE_PATTERN: printable.SINGLE_LINE_PATTERN,
        characters.REQUIRED_LINE_PATTERN: printable.REQUIRED_LINE_PATTERN,
        characters.MULTILINE_PATTERN: printable.MULTILINE_PATTERN,
    }

    def narrow(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("pattern") in by_pattern:
                node["pattern"] = by_pattern[node["pattern"]]
            for value in node.values():
                narrow(value)
        elif isinstance(node, list):
            for value in node:
                narrow(value)

    for schema in schemas.values():
        for name, field in schema.get("properties", {}).items():
            if name not in printable.NOT_PRINTED:
                narrow(field)


def _complete_responses(document: dict[str, Any]) -> None:
    """401 on every operation that needs a key, problem+json for every error, 500 on all."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", problem_doc(DESCRIPTIONS[401], 401))
                responses.setdefault("429", problem_doc(DESCRIPTIONS[429], 429))
            responses.setdefault("500", problem_doc(DESCRIPTIONS[500], 500))
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    content = response.setdefault("content", {})
                    content.pop("application/json", None)
                    content.setdefault(PROBLEM_JSON, {"schema": dict(PROBLEM_REF)})
                    if int(status) == 422 and response.get("description") == (
                            "Validation Error"):
                        response["description"] = DESCRIPTIONS[422]


def _unused_validation_schemas(document: dict[str, Any]) -> None:
    """FastAPI's own 422 schemas are replaced by Problem; drop them from the components."""
    schemas = document.get("components", {}).get("schemas", {})
    text = repr(document.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and REF_TEMPLATE.format(model=name) not in text:
            del schemas[name]


def install(app: FastAPI) -> None:
    """Generate the document once, with the invoice's JSON Schema among the components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
        schema = Invoice.model_json_schema(ref_template=REF_TEMPLATE)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        invoice_schemas = {**schema.pop("$defs", {}), "Invoice": schema}
        _printed_patterns(invoice_schemas)
        components.update(invoice_schemas)
        components["Problem"] = PROBLEM_SCHEMA
        _complete_responses(document)
        _unused_validation_schemas(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
