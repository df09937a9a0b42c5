"""OpenAPI details: the invoice request body and the problem+json error responses.

The invoice body is read by hand (exact decimals), so its schema is added to the document here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from faktura.model import Invoice

REF_TEMPLATE = "#/components/schemas/{model}"

INVOICE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The invoice: Faktura's own shape (EN 16931 names) or a TimeLog export",
        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(
            model="Invoice")}}},
    }
}

BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["invoices"],
            "properties": {"invoices": {
                "type": "array", "minItems": 1,
                "items": {"$ref": REF_TEMPLATE.format(model="Invoice")}}},
        }}},
    }
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object",
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def problem_doc(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_doc("Malformed JSON"),
    401: problem_doc("Missing or unknown API key"),
    413: problem_doc("Body over the size limit"),
    415: problem_doc("Not application/json"),
    422: problem_doc("Invalid invoice: `errors` names each field and its problem"),
}


def install(app: FastAPI) -> None:
    """Generate the document once, with the invoice's JSON Schema among the components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
        schema = Invoice.model_json_schema(ref_template=REF_TEMPLATE)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema.pop("$defs", {}))
        components["Invoice"] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
