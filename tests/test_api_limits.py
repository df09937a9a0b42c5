"""Hostile input over HTTP: every refused value answers 4xx problem+json naming the field, the
value is repeated neither in the answer nor in the server log, and a refused invoice is
neither posted nor archived."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from test_api import Api, assert_problem, fields
from test_api_helpers import sample, tenant_settings

from api.app import create_app
from api.auth import KeyStore
from api.tenants import TenantRegistry
from archive import LocalArchive
from faktura.model import MAX_LINES
from sync.emulator.testing import EmulatorHandle

with warnings.catch_warnings():  # "install httpx2": the TestClient still works with httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MARK = "Hemmelig-Kunde-7351"  # a customer's text that must never be repeated


class _Secret(BaseModel):
    amount: int


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    running = Api(tmp_path_factory.mktemp("limits"))

    def broken() -> None:  # data the code itself built fails validation: a bug
        _Secret.model_validate({"amount": MARK})

    def broken_answer() -> Any:  # an answer that does not fit its own response model
        return {"amount": MARK}

    running.app.add_api_route("/v1/broken", broken, include_in_schema=False)
    running.app.add_api_route("/v1/broken-answer", broken_answer, response_model=_Secret,
                              include_in_schema=False)
    with running.client:
        yield running


def archived(api: Api) -> list[str]:
    with api.archive_of("alpha") as archive:
        return [e.invoice_number for e in archive.list("alpha", limit=1000)]


def post(api: Api, data: Any, path: str = "/v1/invoices") -> Any:
    body = data if isinstance(data, str | bytes) else json.dumps(data, ensure_ascii=False)
    return api.client.post(path, content=body, headers=api.headers(
        **{"Content-Type": "application/json"}))


def refused_issue(api: Api, data: Any, field: str, *, secret: str | None = None) -> dict:
    """POST /v1/invoices answers 422 naming `field`; nothing posted, nothing archived."""
    poster = api.issuers.posters.get("alpha")
    posts = poster.posts if poster else 0
    before = archived(api)
    response = post(api, data)
    body = assert_problem(response, 422)
    assert field in fields(body), body
    if secret:
        assert secret not in response.text
    assert (api.issuers.posters["alpha"].posts if "alpha" in api.issuers.posters else 0) == posts
    assert archived(api) == before
    return body


def line(**changes: Any) -> dict[str, Any]:
    return {"text": "Rådgivning", "quantity": "2", "unit": "timer", "unit_price": "950.00",
            **changes}


# -- the fuzzer's findings ---------------------------------------------------------------------


@pytest.mark.parametrize("query", ["offset=9223372036854775808", "offset=-1",
                                   "offset=10000000000", "limit=0", "limit=1001",
                                   "limit=99999999999999999999999", "from=9999-12-31",
                                   "to=0001-01-01", "from=2026-02-30"])
def test_an_out_of_range_query_parameter_is_422_naming_it(api: Api, query: str) -> None:
    response = api.client.get(f"/v1/archive?{query}", headers=api.headers())
    body = assert_problem(response, 422)
    assert fields(body) == [query.split("=")[0]]


def test_an_integer_of_5000_digits_is_422_naming_the_field(api: Api) -> None:
    text = json.dumps(sample(source_id="BIG-INT")).replace('"quantity": "1"',
                                                           '"quantity": ' + "9" * 5000)
    assert "9" * 5000 in text
    body = refused_issue(api, text, "lines[0].quantity")
    assert "more than 40 digits" in body["errors"][0]["message"]


@pytest.mark.parametrize("rate", ["1e30", "1E+30", "0", "-7.46", "7.1234567", "NaN"])
def test_an_exchange_rate_out_of_bounds_is_422(api: Api, rate: str) -> None:
    text = json.dumps(sample(source_id="FX", currency_code="EUR")).replace(
        '"source_id": "FX"', f'"source_id": "FX", "exchange_rate": {rate}')
    refused_issue(api, text, "exchange_rate")


@pytest.mark.parametrize(("field", "value"), [
    ("issue_date", "9999-12-31"), ("issue_date", "1899-12-31"), ("issue_date", "3000-01-01"),
    ("due_date", "9999-12-31"), ("invoicing_period_end", "9999-12-31"),
])
def test_a_date_outside_1900_to_2999_is_422(api: Api, field: str, value: str) -> None:
    refused_issue(api, sample(source_id="DATE", **{field: value}), field)


def test_the_latest_issue_date_gets_a_due_date(api: Api) -> None:
    response = api.client.post("/v1/preview", json=sample(source_id="LATE",
                                                          issue_date="2999-12-31"),
                               headers=api.headers(Accept="text/html"))
    assert response.status_code == 200, response.text
    assert "3000" in response.text  # the due date, after the terms of payment


@pytest.mark.parametrize("length", [101, 301, 500])
def test_an_invoice_address_name_too_long_for_uniconta_is_422(api: Api, length: int) -> None:
    name = (MARK + "x" * length)[:length]
    refused_issue(api, sample(source_id="LONG-NAME", fixed_customer_name=name),
                  "fixed_customer_name", secret=MARK)


def test_a_customer_number_over_20_characters_is_422(api: Api) -> None:
    data = sample(source_id="LONG-NO")
    data["customer"]["customer_number"] = "1" * 21
    refused_issue(api, data, "customer.customer_number", secret="1" * 21)


CONTROL_CHARACTERS = {
    "NUL": "\x00", "ESC": "\x1b", "DEL": "\x7f", "C1 NEL": "\x85", "RLO": "\u202e",
    "LRE": "\u202a", "FSI": "\u2068", "PDI": "\u2069", "U+FFFF": "\uffff", "U+FDD0": "\ufdd0",
    "U+1FFFE": "\U0001fffe", "lone surrogate": "\ud800",
}


@pytest.mark.parametrize("char", CONTROL_CHARACTERS.values(), ids=list(CONTROL_CHARACTERS))
@pytest.mark.parametrize("where", ["customer.name", "lines[0].text", "note",
                                   "customer.address.line1", "customer.email"])
def test_a_control_character_is_refused_naming_the_field(api: Api, char: str,
                                                         where: str) -> None:
    data = sample(source_id="CTRL", note="En note")
    target: Any = data
    *parents, last = where.replace("[", ".").replace("]", "").split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = f"{MARK}{char}ApS" if last != "email" else f"a{char}@kunde.dk"
    # json.dumps writes a lone surrogate as the escape \ud800, as a hostile client would.
    body = refused_issue(api, json.dumps(data), where, secret=MARK)
    assert "control or invisible formatting characters" in json.dumps(body) or \
        "unicode" in json.dumps(body).lower()


def test_tabs_and_line_breaks_only_in_multi_line_texts(api: Api) -> None:
    good = sample(source_id="MULTI", note="Linje 1\r\nLinje 2\tmed tab")
    good["lines"][0]["text"] = "Årsregnskab\n2025"
    response = api.client.post("/v1/preview", json=good, headers=api.headers(
        Accept="text/html"))
    assert response.status_code == 200, response.text
    data = sample(source_id="MULTI")
    data["customer"]["name"] = "Bageriet\nKornblomsten"
    refused_issue(api, data, "customer.name")


def test_a_quantity_of_1e_30_is_refused_not_rounded_to_zero(api: Api) -> None:
    text = json.dumps(sample(source_id="TINY")).replace('"quantity": "1"', '"quantity": 1e-30')
    body = refused_issue(api, text, "lines[0].quantity")
    assert "2 decimal places" in body["errors"][0]["message"]


@pytest.mark.parametrize("quantity", ['"0.001"', "0.125", '"1.005"'])
def test_a_quantity_with_more_decimals_than_kept_is_refused(api: Api, quantity: str) -> None:
    text = json.dumps(sample(source_id="DEC")).replace('"quantity": "1"',
                                                       f'"quantity": {quantity}')
    refused_issue(api, text, "lines[0].quantity")


def test_an_invoicing_period_that_ends_before_it_starts_is_refused(api: Api) -> None:
    body = refused_issue(api, sample(source_id="PERIOD", invoicing_period_start="2026-10-31",
                                     invoicing_period_end="2026-10-01"),
                         "invoicing_period_end")
    assert "before the invoicing_period_start" in json.dumps(body)


@pytest.mark.parametrize(("text", "field"), [
    ('{"source_id": "DUP", "source_id": "DUP2"}', "source_id"),
    ('{"customer": {"name": "A", "name": "B"}}', "customer.name"),
    ('{"lines": [{"text": "a"}, {"quantity": 1, "quantity": 2}]}', "lines[1].quantity"),
])
def test_a_key_given_twice_is_refused_naming_its_path(api: Api, text: str, field: str) -> None:
    body = refused_issue(api, text, field)
    assert body["errors"] == [{"field": field, "message": "is given more than once"}]


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", "٣"), ("quantity", "３"), ("unit_price", "١٢٥٠٠"), ("quantity", "1e2"),
])
def test_a_number_in_other_digits_than_0_9_is_refused(api: Api, field: str,
                                                      value: str) -> None:
    data = sample(source_id="DIGITS")
    data["lines"][0][field] = value
    refused_issue(api, data, f"lines[0].{field}")


@pytest.mark.parametrize("number", ["٣٣", "１２"])
def test_an_invoice_number_in_other_digits_is_refused(number: str) -> None:
    from faktura.errors import InvalidInput
    from faktura.model import parse_invoice

    with pytest.raises(InvalidInput) as caught:
        parse_invoice(sample(source_id="NO", invoice_number=number))
    assert [p.field for p in caught.value.problems] == ["invoice_number"]


def test_more_lines_than_the_stated_limit_are_refused(api: Api) -> None:
    data = sample(source_id="MANY", lines=[line()] * (MAX_LINES + 1))
    refused_issue(api, data, "lines")


def test_amounts_beyond_12_digits_are_refused(api: Api) -> None:
    data = sample(source_id="HUGE", lines=[line(quantity="9999999", unit_price="9999999999")])
    refused_issue(api, data, "lines")


@pytest.mark.parametrize("path", ["/v1/archive/" + "9" * 21, "/v1/archive/20%2F1",
                                  "/v1/archive/%00", "/v1/archive/" + "9" * 21 + "/meta",
                                  "/v1/batches/not-a-batch", "/v1/batches/" + "g" * 32,
                                  "/v1/batches/" + "0" * 33 + "/pdf"])
def test_a_malformed_path_parameter_is_422_or_404_never_500(api: Api, path: str) -> None:
    response = api.client.get(path, headers=api.headers())
    assert response.status_code in (404, 422), response.text
    assert_problem(response, response.status_code)


def test_pydantic_errors_reach_the_log_without_the_input(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    # A client that raises what the server would log as "Exception in ASGI application": the
    # error is handled, so the server has nothing more to log.
    strict = TestClient(api.app, raise_server_exceptions=True)
    with caplog.at_level(logging.DEBUG):
        refused_issue(api, sample(source_id="LOG", fixed_customer_name=MARK * 30),
                      "fixed_customer_name", secret=MARK)
        responses = [strict.get(path, headers=api.headers())
                     for path in ("/v1/broken", "/v1/broken-answer")]
    for response in responses:
        assert_problem(response, 500)
        assert MARK not in response.text
    assert caplog.text.count("amount: Input should be a valid integer") == 2
    assert MARK not in caplog.text


# -- for real: the sync core and the Uniconta emulator ----------------------------------------


def test_a_control_character_in_a_name_reaches_neither_uniconta_nor_the_archive(
        tmp_path: Path, emulator: EmulatorHandle) -> None:
    base = tenant_settings(tmp_path, "revisorhuset")
    settings = base.model_copy(update={"uniconta": base.uniconta.model_copy(
        update={"gateway_url": emulator.base_url})})
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    store = KeyStore(registry.key_store_path)
    key, _ = store.create("revisorhuset")
    store.close()
    app = create_app(registry, batch_workers=0, resume_batches=False)
    headers = {"Authorization": f"Bearer {key}"}
    debtors_before = emulator.query("Debtor")
    with TestClient(app, raise_server_exceptions=False) as client:
        bad = sample(source_id="CTRL-REAL")
        bad["customer"]["customer_number"] = "4711"
        bad["customer"]["name"] = "Bageriet\x1b[2J\u202eKornblomsten"
        response = client.post("/v1/invoices", json=bad, headers=headers)
        assert_problem(response, 422)
        assert fields(response.json()) == ["customer.name"]
        assert emulator.query("Debtor") == debtors_before
        assert [d for d in emulator.query("Debtor") if d["Account"] == "4711"] == []
        assert emulator.query("DebtorInvoice") == []
        with LocalArchive(settings.archive_dir) as archive:
            assert archive.list("revisorhuset") == []

        bad["customer"]["name"] = "Bageriet Kornblomsten"
        fixed = client.post("/v1/invoices", json=bad, headers=headers)
        assert fixed.status_code == 201, fixed.text
    (debtor,) = [d for d in emulator.query("Debtor") if d["Account"] == "4711"]
    assert debtor["Name"] == "Bageriet Kornblomsten"
    assert len(emulator.query("DebtorInvoice")) == 1
