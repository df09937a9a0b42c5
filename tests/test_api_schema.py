"""The OpenAPI document tells the truth: a schema-driven fuzzer (schemathesis) over every
operation, with a real API key, never gets a 5xx, every answer's status, media type, headers
and body are the documented ones, and every operation answers 2xx at least once, so the
documented request bodies are ones the service accepts.

The run is bounded (a fixed number of examples per operation, derandomised, so a CI run
sees the same requests every time) and issues through the real pipeline with a
`FakePoster` in place of Uniconta (`test_api_socket.py` issues to the emulator).
"""

from __future__ import annotations

import json
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_api import Api
from test_api_helpers import SAMPLES

from api.openapi import INVOICE_EXAMPLE, PROBLEM_JSON
from faktura.settings import EInvoiceSettings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
#: Examples per operation: enough to reach every documented status the schema leads to,
#: few enough that rendering the accepted invoices keeps the run short.
EXAMPLES = {"POST": 10, "GET": 12}
#: Examples per operation of requests that break the schema: each must get a documented 4xx.
NEGATIVE_EXAMPLES = 8


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    # Every issued invoice gets an e-invoice, so the archive's XML route has one to serve.
    running = Api(tmp_path_factory.mktemp("schema"), einvoice=EInvoiceSettings(when="always"))
    with running.client:
        yield running


def test_the_invoice_example_is_the_bundled_sample() -> None:
    sample = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    assert sample == INVOICE_EXAMPLE


def test_every_error_is_a_documented_problem_and_every_key_route_documents_401(
        api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert set(document["components"]["schemas"]["Problem"]["properties"]) >= {
        "type", "title", "status", "detail", "instance", "request_id", "errors"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary") and operation.get("tags"), (method, path)
            responses = operation["responses"]
            if path != "/healthz":
                assert "401" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert set(response["content"]) == {PROBLEM_JSON}, (method, path, status)
                    assert response["content"][PROBLEM_JSON]["schema"] == {
                        "$ref": "#/components/schemas/Problem"}
            if method == "post":
                assert "examples" in operation["requestBody"]["content"]["application/json"]
                assert "503" in responses
    assert "401" in document["paths"]["/v1/archive"]["get"]["responses"]


def _wait_done(api: Api, batch_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = api.client.get(f"/v1/batches/{batch_id}", headers=api.headers()).json()
        if record["status"] in ("done", "failed"):
            return
        time.sleep(0.2)
    raise AssertionError("the batch did not finish")


def _fuzz(strategy: Any, label: str, examples: int, auth: dict[str, str],
          statuses: dict[str, set[int]], failures: dict[str, str]) -> None:
    """Call the operation with `examples` cases drawn from `strategy`, checking each answer."""

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=auth)
        statuses[label].add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except Exception as error:  # noqa: BLE001 - collected, reported at the end
            failures.setdefault(label, f"{response.status_code}: {error}"[:3000])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()


def test_a_fuzzer_finds_no_5xx_and_no_undocumented_answer(api: Api) -> None:
    auth = api.headers()
    issued = api.client.post("/v1/invoices", json=INVOICE_EXAMPLE, headers=auth)
    assert issued.status_code in (200, 201), issued.text
    batch = api.client.post("/v1/batches", json={"invoices": [INVOICE_EXAMPLE]}, headers=auth)
    assert batch.status_code == 202, batch.text
    _wait_done(api, batch.json()["id"])
    known = {"invoice_number": issued.json()["invoice_number"], "batch_id": batch.json()["id"]}

    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    statuses: dict[str, set[int]] = defaultdict(set)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11  # GET /v1/batches among them

    for operation in operations:
        names = {p.name for p in operation.iter_parameters() if p.location == "path"}
        strategies = [operation.as_strategy()]
        if names:  # ids the fuzzer cannot guess: the invoice and batch issued above
            strategies.append(operation.as_strategy(
                path_parameters={name: known[name] for name in names}))
        if operation.method.upper() == "POST":
            body = INVOICE_EXAMPLE if operation.path != "/v1/batches" else {
                "invoices": [INVOICE_EXAMPLE]}
            strategies.append(operation.as_strategy(body=body, media_type="application/json"))

        for strategy in strategies:
            _fuzz(strategy, operation.label, EXAMPLES[operation.method.upper()], auth,
                  statuses, failures)
        if operation.method.upper() == "POST" or names or operation.path == "/v1/archive":
            _fuzz(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
                  operation.label, NEGATIVE_EXAMPLES, auth, statuses, failures)

    assert failures == {}
    unreached = {label: sorted(codes) for label, codes in statuses.items()
                 if not any(200 <= code < 300 for code in codes)}
    assert unreached == {}
    assert set(statuses) == {operation.label for operation in operations}
