"""Unit tests of the gateway client over httpx.MockTransport (no network)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sync.uniconta.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayError,
    NotFoundError,
    PdfUnavailableError,
    PostingOutcomeUnknown,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
    UnicontaError,
    UnsupportedFeatureError,
)
from sync.uniconta.gateway import CallEvent, GatewayClient, PostingResult, RetryPolicy
from sync.uniconta.wire import (
    between,
    byte_to_currency_code,
    currency_code_to_byte,
    field,
    filter_params,
    format_filter_date,
    format_filter_value,
    one_of,
    to_wire,
)

BASE = "http://gateway.test"
LOGIN = "faktura"
PASSWORD = "s3cret-Pa55word!"
COMPANY = 12114
BASIC = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
COMPANIES = [
    {
        "CompanyId": 12114,
        "Name": "Demo ApS",
        "Currency": "DKK",
        "NumberOfDimensions": 2,
        "Dim1": "Afdeling",
        "Dim2": "Bærer",
        "Dim3": None,
        "Dim4": None,
        "Dim5": None,
    },
    {"CompanyId": 500, "Name": "Other A/S", "Currency": "EUR", "NumberOfDimensions": 0},
]

Handler = Callable[[httpx.Request], httpx.Response]


class FakeGateway:
    """Route table over MockTransport that records every request."""

    def __init__(self, *, extensions: bool = True) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], Handler | list[Handler]] = {}
        self.extensions = extensions

    def on(self, method: str, path: str, *handlers: Handler) -> None:
        """Answer ``method path`` with the handlers in turn (the last one repeats)."""
        self.routes[(method, path)] = list(handlers)

    def hits(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.headers.get("Authorization") == f"Basic {BASIC}"
        key = (request.method, request.url.path)
        if key == ("GET", "/Companies") and key not in self.routes:
            return httpx.Response(200, json=COMPANIES) if self.extensions else httpx.Response(404)
        handlers = self.routes.get(key)
        if not handlers:
            return httpx.Response(404)
        assert isinstance(handlers, list)
        handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
        return handler(request)


def reply(status: int, body: Any = None, **kwargs: Any) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes):  # raw text; a str body is sent as a JSON string
            return httpx.Response(status, content=body, **kwargs)
        if body is None:
            return httpx.Response(status, **kwargs)
        return httpx.Response(status, json=body, **kwargs)

    return handler


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return handler


@pytest.fixture
def fake() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def events() -> list[CallEvent]:
    return []


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(
    fake: FakeGateway, events: list[CallEvent], sleeps: list[float]
) -> Callable[..., GatewayClient]:
    clients: list[GatewayClient] = []

    def make(**kwargs: Any) -> GatewayClient:
        options: dict[str, Any] = {
            "transport": httpx.MockTransport(fake),
            "retry": RetryPolicy(max_attempts=3, base_delay=0.0, jitter=0.0),
            "on_call": events.append,
            "sleep": sleeps.append,
            "extensions": True,
        }
        options.update(kwargs)
        company = options.pop("company", COMPANY)
        client = GatewayClient(BASE, LOGIN, SecretStr(PASSWORD), company, **options)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


Q = f"/Companies/{COMPANY}/Query"
CRUD = f"/Companies/{COMPANY}/Crud"
POST = f"/Companies/{COMPANY}/Invoice/DebtorOrders"


# ----------------------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("status", "body", "exc_type", "attrs"),
    [
        (401, None, AuthenticationError, {"code": None, "status_code": 401}),
        (403, "UserOrPasswordIsWrong", AuthenticationError, {"code": "UserOrPasswordIsWrong"}),
        (404, None, NotFoundError, {"status_code": 404}),
        (400, b"Invalid filter", BadRequestError, {"text": "Invalid filter"}),
        (400, b"The type  was not found", BadRequestError, {"status_code": 400}),
        (
            409,
            b"There are more values (3) matching filter then allowed by the limit (1)",
            ConflictError,
            {"matched": 3, "limit": 1},
        ),
        (500, "KeyExists", UnicontaError, {"code": "KeyExists", "status_code": 500}),
        (500, "CouldNotFind", UnicontaError, {"code": "CouldNotFind"}),
        (500, "ToManyCreatesInOneDay", ThrottledError, {"code": "ToManyCreatesInOneDay"}),
        (500, b"<html><body>NullReferenceException</body></html>", UnexpectedResponseError, {}),
        (418, b"teapot", UnexpectedResponseError, {"status_code": 418}),
    ],
)
def test_status_mapping_on_query(
    make_client: Callable[..., GatewayClient],
    fake: FakeGateway,
    status: int,
    body: Any,
    exc_type: type[GatewayError],
    attrs: dict[str, Any],
) -> None:
    fake.on("GET", f"{Q}/Debtor", reply(status, body))
    client = make_client()
    with pytest.raises(exc_type) as info:
        client.query("Debtor", Account="1001")
    assert type(info.value) is exc_type
    for name, value in attrs.items():
        assert getattr(info.value, name) == value
    message = str(info.value)
    assert message.startswith("GET Query/Debtor: ")
    assert "\n" not in message
    assert fake.hits("GET", f"{Q}/Debtor") == 1  # none of these is retried


def test_uniconta_error_message_names_operation_and_code(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{CRUD}/DebtorOrder", reply(500, "FieldHasinvalidValue"))
    with pytest.raises(UnicontaError) as info:
        make_client().insert("DebtorOrder", {"_DCAccount": "1001"})
    assert str(info.value) == "POST Crud/DebtorOrder: Uniconta answered FieldHasinvalidValue"
    assert info.value.code == "FieldHasinvalidValue"
    assert not isinstance(info.value, ThrottledError)


def test_throttled_error_is_uniconta_error() -> None:
    assert issubclass(ThrottledError, UnicontaError)
    assert issubclass(PostingOutcomeUnknown, TransportError)
    assert issubclass(ConfigurationError, ValueError)


# ----------------------------------------------------------------------------- retries


def test_slowdown_is_retried_then_succeeds(
    make_client: Callable[..., GatewayClient],
    fake: FakeGateway,
    events: list[CallEvent],
    sleeps: list[float],
) -> None:
    fake.on(
        "GET",
        f"{Q}/Debtor",
        reply(500, "SlowDown"),
        reply(500, "ServerIsBusy"),
        reply(200, [{"Account": "1001"}]),
    )
    client = make_client()
    assert client.query("Debtor") == [{"Account": "1001"}]
    assert fake.hits("GET", f"{Q}/Debtor") == 3
    query_events = [e for e in events if e.kind == "query"]
    assert [e.attempt for e in query_events] == [1, 2, 3]
    assert [e.error for e in query_events] == ["SlowDown", "ServerIsBusy", None]
    assert [e.will_retry for e in query_events] == [True, True, False]
    assert len(sleeps) == 2


def test_slowdown_stops_after_max_attempts(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("GET", f"{Q}/Debtor", reply(500, "SlowDown"))
    client = make_client(retry=RetryPolicy(max_attempts=4, base_delay=0, jitter=0))
    with pytest.raises(ThrottledError) as info:
        client.query("Debtor")
    assert info.value.code == "SlowDown"
    assert "after 4 attempts" in str(info.value)
    assert fake.hits("GET", f"{Q}/Debtor") == 4


def test_slowdown_on_posting_is_retried(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    ok = {"Header": {"_InvoiceNumber": 7, "InvoiceNumber": 7}, "Err": "Succes"}
    fake.on("POST", f"{POST}/5", reply(500, "SlowDown"), reply(200, ok))
    result = make_client().post_invoice(5)
    assert result.invoice_number == 7
    assert fake.hits("POST", f"{POST}/5") == 2


def test_user_not_logged_in_is_retried_on_insert(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{CRUD}/Debtor", reply(500, "UserNotLoggedIn"), reply(200, [{"RowId": 1}]))
    assert make_client().insert("Debtor", {"_Account": "1"}) == [{"RowId": 1}]
    assert fake.hits("POST", f"{CRUD}/Debtor") == 2


def test_503_retried_for_get(make_client: Callable[..., GatewayClient], fake: FakeGateway) -> None:
    fake.on("GET", f"{Q}/InvItem", reply(503), reply(502), reply(200, []))
    assert make_client().query("InvItem") == []
    assert fake.hits("GET", f"{Q}/InvItem") == 3


def test_503_persisting_gives_transport_error(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("GET", f"{Q}/InvItem", reply(503))
    with pytest.raises(TransportError) as info:
        make_client().query("InvItem")
    assert info.value.status_code == 503
    assert fake.hits("GET", f"{Q}/InvItem") == 3


def test_503_not_retried_for_insert(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{CRUD}/Debtor", reply(503), reply(200, [{"RowId": 1}]))
    with pytest.raises(TransportError) as info:
        make_client().insert("Debtor", {"_Account": "1"})
    assert "check before trying again" in str(info.value)
    assert fake.hits("POST", f"{CRUD}/Debtor") == 1


def test_connection_error_retried_for_get_delete_and_patch(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("GET", f"{Q}/Debtor", fail(httpx.ConnectError), reply(200, []))
    fake.on("DELETE", f"{CRUD}/Debtor", fail(httpx.ReadTimeout), reply(204))
    fake.on("PATCH", f"{CRUD}/Debtor", fail(httpx.RemoteProtocolError), reply(200, [{"RowId": 1}]))
    client = make_client()
    assert client.query("Debtor") == []
    client.delete("Debtor", {"Account": "1"})
    assert client.patch("Debtor", {"Account": "1"}, {"_Name": "x"}) == [{"RowId": 1}]
    assert fake.hits("GET", f"{Q}/Debtor") == 2
    assert fake.hits("DELETE", f"{CRUD}/Debtor") == 2
    assert fake.hits("PATCH", f"{CRUD}/Debtor") == 2


def test_connection_error_persisting_on_get(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("GET", f"{Q}/Debtor", fail(httpx.ConnectError, "connection refused"))
    with pytest.raises(TransportError) as info:
        make_client().query("Debtor")
    assert not isinstance(info.value, PostingOutcomeUnknown)
    assert info.value.request_sent is False
    assert "after 3 attempt(s)" in str(info.value)
    assert fake.hits("GET", f"{Q}/Debtor") == 3


def test_non_repeatable_patch_not_retried(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("PATCH", f"{CRUD}/Debtor", fail(httpx.ReadTimeout), reply(200, []))
    with pytest.raises(TransportError):
        make_client().patch(
            "Debtor", {"Account": "1"}, [{"op": "add", "path": "/UserFields/-", "value": 1}]
        )
    assert fake.hits("PATCH", f"{CRUD}/Debtor") == 1


@pytest.mark.parametrize(
    "exc_type", [httpx.RemoteProtocolError, httpx.ReadTimeout, httpx.ReadError, httpx.ConnectError]
)
def test_dropped_posting_raises_outcome_unknown_once(
    make_client: Callable[..., GatewayClient],
    fake: FakeGateway,
    exc_type: type[httpx.TransportError],
) -> None:
    fake.on("POST", f"{POST}/5012", fail(exc_type, "Server disconnected without a response"))
    with pytest.raises(PostingOutcomeUnknown) as info:
        make_client().post_invoice(5012, date=dt.date(2024, 5, 31))
    assert fake.hits("POST", f"{POST}/5012") == 1
    assert info.value.order_number == 5012
    assert "DebtorInvoice?filter.OrderNumber=5012" in str(info.value)
    assert str(info.value).startswith("POST Invoice/DebtorOrders/5012: ")


@pytest.mark.parametrize(
    "status_body", [(502, None), (503, None), (504, None), (500, b"<html>oops</html>")]
)
def test_posting_without_definite_answer_is_outcome_unknown(
    make_client: Callable[..., GatewayClient], fake: FakeGateway, status_body: tuple[int, Any]
) -> None:
    fake.on("POST", f"{POST}/9", reply(*status_body))
    with pytest.raises(PostingOutcomeUnknown) as info:
        make_client().post_invoice(9)
    assert info.value.status_code == status_body[0]
    assert fake.hits("POST", f"{POST}/9") == 1


def test_posting_200_with_garbage_is_outcome_unknown(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/9", reply(200, b"not json"))
    with pytest.raises(PostingOutcomeUnknown):
        make_client().post_invoice(9)


def test_dropped_insert_is_transport_error_not_retried(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{CRUD}/DebtorOrder", fail(httpx.RemoteProtocolError), reply(200, []))
    with pytest.raises(TransportError) as info:
        make_client().insert("DebtorOrder", {"_DCAccount": "1001"})
    assert not isinstance(info.value, PostingOutcomeUnknown)
    assert "check before trying again" in str(info.value)
    assert info.value.request_sent is True
    assert fake.hits("POST", f"{CRUD}/DebtorOrder") == 1


def test_posting_refusal_is_uniconta_error(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/5013", reply(500, "PrCategoryCannotBeBlank"))
    with pytest.raises(UnicontaError) as info:
        make_client().post_invoice(5013)
    assert info.value.code == "PrCategoryCannotBeBlank"
    assert not isinstance(info.value, PostingOutcomeUnknown)
    assert fake.hits("POST", f"{POST}/5013") == 1


def test_posting_200_with_err_raises(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    body = {
        "Header": None,
        "ledgerRes": {"Err": "AccountIsMissing", "ErrorProperty": "RevenueAccount"},
        "Err": "Succes",
    }
    fake.on("POST", f"{POST}/3", reply(200, body))
    with pytest.raises(UnicontaError) as info:
        make_client().post_invoice(3, simulate=True)
    assert info.value.code == "AccountIsMissing"
    assert "ErrorProperty=RevenueAccount" in str(info.value)


def test_posting_success_without_number_is_outcome_unknown(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/4", reply(200, {"Header": None, "Err": "Succes"}))
    with pytest.raises(PostingOutcomeUnknown, match="no invoice number"):
        make_client().post_invoice(4)


def test_backoff_delays_grow_and_honour_retry_after(
    make_client: Callable[..., GatewayClient], fake: FakeGateway, sleeps: list[float]
) -> None:
    fake.on(
        "GET",
        f"{Q}/Debtor",
        reply(500, "SlowDown"),
        reply(500, "SlowDown"),
        reply(503, headers={"Retry-After": "3"}),
        reply(200, []),
    )
    policy = RetryPolicy(max_attempts=4, base_delay=0.5, multiplier=2, max_delay=8, jitter=0)
    make_client(retry=policy).query("Debtor")
    assert sleeps == [0.5, 1.0, 3.0]
    assert RetryPolicy(base_delay=1, max_delay=4, jitter=0).delay(10) == 4
    with pytest.raises(ConfigurationError):
        RetryPolicy(max_attempts=0)


# ----------------------------------------------------------------------------- secrets


def test_secrets_never_leak(
    make_client: Callable[..., GatewayClient],
    fake: FakeGateway,
    events: list[CallEvent],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.on("GET", "/Companies", reply(403, "UserOrPasswordIsWrong"))
    fake.on("GET", f"{Q}/Debtor", reply(400, f"bad login {PASSWORD} / Basic {BASIC}".encode()))
    fake.on("POST", f"{POST}/1", fail(httpx.ReadError, f"echo {PASSWORD}"))
    fake.on("GET", f"{Q}/InvItem", reply(401))
    messages: list[str] = []
    client = make_client(extensions=None)
    with pytest.raises(AuthenticationError) as auth:
        client.resolve_company()
    messages += [str(auth.value), repr(auth.value)]
    assert auth.value.code == "UserOrPasswordIsWrong"
    client = make_client(extensions=False)
    for call in (
        lambda: client.query("Debtor"),
        lambda: client.post_invoice(1),
        lambda: client.query("InvItem"),
    ):
        with pytest.raises(GatewayError) as info:
            call()
        messages += [str(info.value), repr(info.value), repr(info.value.__dict__)]
    messages += [repr(client), str(client), repr(events), caplog.text]
    text = "\n".join(messages)
    assert PASSWORD not in text
    assert BASIC not in text
    assert "***" in text  # the echoed secret was redacted, not dropped silently
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(client)


def test_repr_shows_no_password() -> None:
    client = GatewayClient(
        BASE,
        LOGIN,
        PASSWORD,
        "Demo ApS",
        transport=httpx.MockTransport(lambda r: httpx.Response(500)),
    )
    assert PASSWORD not in repr(client)
    assert "Demo ApS" in repr(client)
    client.close()


def test_base_url_with_credentials_rejected() -> None:
    with pytest.raises(ConfigurationError) as info:
        GatewayClient(f"http://{LOGIN}:{PASSWORD}@host", LOGIN, PASSWORD, 1)
    assert PASSWORD not in str(info.value)


# ----------------------------------------------------------------------------- company


def test_resolve_company_by_name(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    client = make_client(company="demo aps", extensions=None)
    info = client.resolve_company()
    assert info.company_id == 12114
    assert info.name == "Demo ApS"
    assert info.number_of_dimensions == 2
    assert info.dimension_names == ("Afdeling", "Bærer")
    assert client.has_extensions() is True
    client.resolve_company()
    assert fake.hits("GET", "/Companies") == 1  # detection and lookup share one call


def test_resolve_company_unknown_name(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    with pytest.raises(NotFoundError) as info:
        make_client(company="Nope ApS").resolve_company()
    assert "'Demo ApS' (12114)" in str(info.value)


def test_resolve_company_by_id_not_granted(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    with pytest.raises(NotFoundError):
        make_client(company=999).resolve_company()


def test_without_extensions_company_by_id(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.extensions = False
    fake.on("GET", f"{Q}/Debtor", reply(200, []))
    client = make_client(extensions=None, company="12114")
    assert client.query("Debtor") == []
    assert client.has_extensions() is False
    assert client.resolve_company().number_of_dimensions is None
    assert fake.hits("GET", "/Companies") == 1


def test_without_extensions_company_by_name_is_clear_error(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.extensions = False
    with pytest.raises(UnsupportedFeatureError) as info:
        make_client(extensions=None, company="Demo ApS").resolve_company()
    assert "numeric company id" in str(info.value)


# ----------------------------------------------------------------------------- CRUD shape


def test_query_builds_filters(make_client: Callable[..., GatewayClient], fake: FakeGateway) -> None:
    fake.on("GET", f"{Q}/ProjectTrans", reply(200, []))
    make_client().query(
        "ProjectTrans",
        {"_Project": "P100"},
        Date=between(dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        Employee=one_of("JD", "AB"),
        Qty=Decimal("7.50"),
    )
    params = list(fake.requests[-1].url.params.multi_items())
    assert params == [
        ("filter._Project", "P100"),
        ("filter.Date", "1/1-2024..31/1-2024"),
        ("filter.Employee", "JD;AB"),
        ("filter.Qty", "7.50"),
    ]
    assert fake.requests[-1].headers["Accept"] == "application/json"


def test_query_splits_long_lists(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    def rows(request: httpx.Request) -> httpx.Response:
        accounts = request.url.params["filter.Account"].split(";")
        return httpx.Response(200, json=[{"RowId": int(a), "Account": a} for a in accounts])

    fake.on("GET", f"{Q}/Debtor", rows)
    result = make_client().query("Debtor", Account=[str(i) for i in range(1, 91)], Blocked=False)
    assert [r["RowId"] for r in result] == list(range(1, 91))
    assert fake.hits("GET", f"{Q}/Debtor") == 3
    assert all(r.url.params["filter.Blocked"] == "false" for r in fake.requests[1:])


def test_insert_encodes_body(make_client: Callable[..., GatewayClient], fake: FakeGateway) -> None:
    fake.on("POST", f"{CRUD}/DebtorOrder", reply(200, {"RowId": 9, "_OrderNumber": 5012}))
    rows = make_client().insert(
        "DebtorOrder",
        {
            "_DCAccount": "1001",
            "_Currency": "EUR",
            "_InvoiceDate": dt.date(2024, 5, 31),
            "_EndDiscountPct": Decimal("2.5"),
            "_DeleteOrder": True,
        },
    )
    assert rows == [{"RowId": 9, "_OrderNumber": 5012}]  # a single object is wrapped
    request = fake.requests[-1]
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "_DCAccount": "1001",
        "_Currency": 2,
        "_InvoiceDate": "2024-05-31T00:00:00",
        "_EndDiscountPct": 2.5,
        "_DeleteOrder": True,
    }


def test_insert_list_is_one_call(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{CRUD}/DebtorOrderLine", reply(200, [{"RowId": 1}, {"RowId": 2}]))
    client = make_client()
    lines = [{"_OrderNumber": 1, "_Item": "1000"}, {"_OrderNumber": 1, "_Item": "1010"}]
    assert len(client.insert("DebtorOrderLine", lines)) == 2
    assert json.loads(fake.requests[-1].content) == lines
    assert client.insert("DebtorOrderLine", []) == []
    assert fake.hits("POST", f"{CRUD}/DebtorOrderLine") == 1


def test_insert_unknown_currency_is_clear(make_client: Callable[..., GatewayClient]) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_client().insert("Debtor", {"_Account": "1", "_Currency": "XYZ"})
    assert "unknown currency code 'XYZ'" in str(info.value)


def test_patch_and_delete_shape(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("PATCH", f"{CRUD}/Debtor", reply(200, [{"RowId": 57, "ContactEmail": "ap@acme.dk"}]))
    fake.on("DELETE", f"{CRUD}/DebtorOrder", reply(204))
    client = make_client()
    rows = client.patch(
        "Debtor", {"Account": "1001"}, {"_ContactEmail": "ap@acme.dk", "_Currency": "DKK"}
    )
    assert rows[0]["RowId"] == 57
    request = fake.requests[-1]
    assert request.headers["Content-Type"] == "application/json-patch+json"
    assert json.loads(request.content) == [
        {"op": "replace", "path": "/_ContactEmail", "value": "ap@acme.dk"},
        {"op": "replace", "path": "/_Currency", "value": 9},
    ]
    assert list(request.url.params.multi_items()) == [("filter.Account", "1001"), ("limit", "1")]
    assert client.delete("DebtorOrder", {"OrderNumber": 5012}, limit=3) is None
    assert list(fake.requests[-1].url.params.multi_items()) == [
        ("filter.OrderNumber", "5012"),
        ("limit", "3"),
    ]


def test_patch_delete_need_filters(make_client: Callable[..., GatewayClient]) -> None:
    client = make_client()
    with pytest.raises(ConfigurationError):
        client.delete("Debtor", {})
    with pytest.raises(ConfigurationError):
        client.patch("Debtor", {"Account": "1"}, [])
    with pytest.raises(ConfigurationError):
        client.delete("Debtor", {"Account": "1"}, limit=-1)


def test_type_names_validated(make_client: Callable[..., GatewayClient]) -> None:
    client = make_client()
    with pytest.raises(ConfigurationError, match="without 'Client'"):
        client.query("DebtorClient")
    with pytest.raises(ConfigurationError):
        client.query("Debtor/../x")


def test_unexpected_shape(make_client: Callable[..., GatewayClient], fake: FakeGateway) -> None:
    fake.on("GET", f"{Q}/Debtor", reply(200, b"<html/>"))
    with pytest.raises(UnexpectedResponseError, match="not JSON"):
        make_client().query("Debtor")


# ----------------------------------------------------------------------------- posting


SIMULATED = {
    "Header": {
        "_InvoiceNumber": 0,
        "InvoiceNumber": 0,
        "_DCAccount": "1001",
        "Account": "1001",
        "_Date": "2024-05-31T00:00:00",
        "NetAmount": 7125.0,
        "VatAmount": 1781.25,
        "TotalAmount": 8906.25,
    },
    "ledgerRes": {
        "SimulatedTrans": [
            {"_Account": "5600", "_Amount": 8906.25},
            {"_Account": "1010", "_Amount": -7125.0},
            {"_Account": "14261", "_Amount": -1781.25},
        ],
        "JournalPostedlId": 0,
        "Err": "Succes",
    },
    "Lines": [{"_Item": "TIME", "_Qty": 7.5, "_Price": 950.0}],
    "pdf": None,
    "Err": "Succes",
}
POSTED = {
    "Header": {
        "_InvoiceNumber": 20240117,
        "InvoiceNumber": 20240117,
        "_Voucher": 3321,
        "_JournalPostedId": 884,
        "_OrderNumber": 5012,
        "NetAmount": 7125.0,
        "VatAmount": 1781.25,
        "TotalAmount": 8906.25,
        "Date": "2024-05-31T00:00:00",
    },
    "ledgerRes": {"SimulatedTrans": None, "JournalPostedlId": 884, "Err": "Succes"},
    "Lines": [],
    "pdf": None,
    "Err": "Succes",
}
PDF = b"%PDF-1.4 fake invoice"


def test_post_simulate_then_real(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/5012", reply(200, SIMULATED), reply(200, POSTED))
    client = make_client()
    sim = client.post_invoice(5012, simulate=True)
    assert sim.simulated and sim.invoice_number == 0
    assert sim.journal_posted_id is None and sim.voucher is None
    assert (sim.net, sim.vat, sim.total) == (
        Decimal("7125.0"),
        Decimal("1781.25"),
        Decimal("8906.25"),
    )
    assert [t["_Account"] for t in sim.simulated_trans] == ["5600", "1010", "14261"]
    first = fake.requests[-1]
    assert list(first.url.params.multi_items()) == [
        ("simulate", "true"),
        ("documentType", "Invoice"),
    ]
    real = client.post_invoice(5012, date=dt.date(2024, 5, 31))
    assert isinstance(real, PostingResult)
    assert (real.invoice_number, real.voucher, real.journal_posted_id) == (20240117, 3321, 884)
    assert real.invoice_date == dt.date(2024, 5, 31)
    assert real.total == Decimal("8906.25")
    assert fake.requests[-1].url.params["date"] == "2024-05-31"
    assert fake.requests[-1].url.params["simulate"] == "false"
    assert fake.requests[-1].headers["Accept"] == "application/json"


def test_post_invoice_with_pdf_via_extension(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/5012", reply(200, POSTED))
    pdf_path = f"/Companies/{COMPANY}/Invoice/DebtorInvoices/20240117/Pdf"
    fake.on("GET", pdf_path, reply(200, PDF, headers={"Content-Type": "application/pdf"}))
    result, pdf = make_client().post_invoice_with_pdf(5012)
    assert pdf == PDF and result.pdf == PDF
    assert result.invoice_number == 20240117
    assert fake.requests[-1].headers["Accept"] == "application/pdf"
    assert fake.requests[-1].url.params["documentType"] == "Invoice"


def test_post_invoice_with_pdf_missing_pdf_keeps_result(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/5012", reply(200, POSTED))
    with pytest.raises(PdfUnavailableError) as info:
        make_client().post_invoice_with_pdf(5012)
    assert info.value.result.invoice_number == 20240117
    assert fake.hits("POST", f"{POST}/5012") == 1


def test_post_invoice_with_pdf_fallback(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.extensions = False

    def posting(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept"] == "application/pdf"
        assert "date" not in request.url.params
        return httpx.Response(200, content=PDF, headers={"Content-Type": "application/pdf"})

    invoices = [
        {"InvoiceNumber": 20240110, "OrderNumber": 5014, "_Voucher": 3300},
        {
            "_InvoiceNumber": 20240118,
            "OrderNumber": 5014,
            "_Voucher": 3322,
            "JournalPostedId": 885,
            "NetAmount": 100.0,
            "VatAmount": 25.0,
            "TotalAmount": 125.0,
            "Date": "2024-06-01T00:00:00",
        },
    ]
    fake.on("POST", f"{POST}/5014", posting)
    fake.on("GET", f"{Q}/DebtorInvoice", reply(200, invoices))
    client = make_client(extensions=None)
    result = client.post_invoice(5014, want_pdf=True, date=dt.date.today())
    assert result.pdf == PDF
    assert (result.invoice_number, result.voucher, result.journal_posted_id) == (
        20240118,
        3322,
        885,
    )
    assert result.total == Decimal("125.0")
    assert fake.requests[-1].url.params["filter.OrderNumber"] == "5014"
    with pytest.raises(UnsupportedFeatureError):
        client.invoice_pdf(20240118)
    with pytest.raises(UnsupportedFeatureError, match="today's date"):
        client.post_invoice(5014, date=dt.date(2020, 1, 1))
    assert fake.hits("POST", f"{POST}/5014") == 1


def test_fallback_readback_failure_is_outcome_unknown_with_pdf(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/5014", reply(200, PDF, headers={"Content-Type": "application/pdf"}))
    fake.on("GET", f"{Q}/DebtorInvoice", reply(200, []))
    with pytest.raises(PostingOutcomeUnknown) as info:
        make_client(extensions=False).post_invoice_with_pdf(5014)
    assert info.value.pdf == PDF


def test_simulated_pdf_preview(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on(
        "POST",
        f"{POST}/5012",
        reply(200, SIMULATED),
        reply(200, PDF, headers={"Content-Type": "application/pdf"}),
    )
    result, pdf = make_client().post_invoice_with_pdf(5012, simulate=True)
    assert pdf == PDF and result.simulated and result.total == Decimal("8906.25")
    assert all(r.url.params["simulate"] == "true" for r in fake.requests if r.method == "POST")


def test_non_invoice_document_pdf_is_one_call(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    fake.on("POST", f"{POST}/7", reply(200, PDF, headers={"Content-Type": "application/pdf"}))
    result, pdf = make_client().post_invoice_with_pdf(7, document_type="OrderConfirmation")
    assert pdf == PDF and result.invoice_number == 0 and not result.simulated
    assert fake.requests[-1].url.params["documentType"] == "OrderConfirmation"
    assert fake.requests[-1].headers["Accept"] == "application/pdf"
    assert fake.hits("POST", f"{POST}/7") == 1
    assert fake.hits("GET", f"{Q}/DebtorInvoice") == 0


def test_posting_arguments_validated(make_client: Callable[..., GatewayClient]) -> None:
    client = make_client()
    with pytest.raises(ConfigurationError):
        client.post_invoice(0)
    with pytest.raises(ConfigurationError):
        client.post_invoice(5, document_type="In voice")


# ----------------------------------------------------------------------------- stats & hook


def test_call_counter_and_hook(
    make_client: Callable[..., GatewayClient], fake: FakeGateway, events: list[CallEvent]
) -> None:
    fake.on("GET", f"{Q}/Debtor", reply(500, "SlowDown"), reply(200, []))
    fake.on("POST", f"{CRUD}/Debtor", reply(200, [{}]))
    client = make_client(extensions=None)
    client.resolve_company()
    before = client.stats.snapshot()
    client.query("Debtor")
    client.insert("Debtor", {"_Account": "1"})
    assert client.stats.since(before) == {"total": 3, "query": 2, "insert": 1}
    assert client.stats.total == 4
    assert client.stats.by_kind == {"companies": 1, "query": 2, "insert": 1}
    assert [(e.method, e.route, e.status) for e in events] == [
        ("GET", "Companies", 200),
        ("GET", "Query/Debtor", 500),
        ("GET", "Query/Debtor", 200),
        ("POST", "Crud/Debtor", 200),
    ]
    assert all(e.duration >= 0 for e in events)
    client.stats.reset()
    assert client.stats.snapshot() == {"total": 0}


def test_failing_hook_does_not_break_calls(
    make_client: Callable[..., GatewayClient], fake: FakeGateway
) -> None:
    def hook(event: CallEvent) -> None:
        raise RuntimeError("logger down")

    fake.on("GET", f"{Q}/Debtor", reply(200, []))
    assert make_client(on_call=hook).query("Debtor") == []


# ----------------------------------------------------------------------------- wire helpers


def test_filter_value_formats() -> None:
    assert format_filter_value("1001") == "1001"
    assert format_filter_value(5012) == "5012"
    assert format_filter_value(True) == "true"
    assert format_filter_value(0.1) == "0.1"
    assert format_filter_value(dt.date(2018, 1, 5)) == "5/1-2018"
    assert format_filter_value(dt.datetime(2019, 12, 31, 13, 0)) == "31/12-2019"
    assert format_filter_value(between(dt.date(2018, 1, 1), dt.date(2019, 1, 1))) == (
        "1/1-2018..1/1-2019"
    )
    assert format_filter_value(between(1000)) == "1000.."
    assert format_filter_value(between(end=1999)) == "..1999"
    assert format_filter_value(["a", "b"]) == "a;b"
    assert format_filter_value({"b", "a"}) == "a;b"
    assert format_filter_date(dt.date(2024, 11, 30)) == "30/11-2024"
    assert filter_params({"_OrderNumber": 1}) == [("filter._OrderNumber", "1")]
    for bad in ("a;b", "1..2", "x OR y", "", None, []):
        with pytest.raises(ConfigurationError):
            format_filter_value(bad)
    with pytest.raises(ConfigurationError):
        format_filter_value(list(range(41)))
    with pytest.raises(ConfigurationError):
        filter_params({"bad name": 1})
    with pytest.raises(ConfigurationError):
        between()


def test_field_reads_both_spellings() -> None:
    row = {"_InvoiceNumber": 5, "InvoiceNumber": None, "_DCAccount": "1001", "_LegalIdent": "123"}
    assert field(row, "InvoiceNumber") == 5
    assert field(row, "_InvoiceNumber") == 5
    assert field({"InvoiceNumber": 6, "_InvoiceNumber": 5}, "InvoiceNumber") == 6
    assert field({"InvoiceNumber": 6}, "_InvoiceNumber") == 6
    assert field(row, "Account") == "1001"
    assert field(row, "CompanyRegNo") == "123"
    assert field({"_Dim1": "100"}, "Dimension1") == "100"
    assert field({"invoicenumber": 7}, "InvoiceNumber") == 7
    assert field(row, "Missing", "x") == "x"
    assert field(None, "Missing") is None


def test_currency_conversion() -> None:
    assert currency_code_to_byte("DKK") == 9
    assert currency_code_to_byte("eur") == 2
    assert currency_code_to_byte(9) == 9
    assert byte_to_currency_code(9) == "DKK"
    assert byte_to_currency_code("2") == "EUR"
    with pytest.raises(ConfigurationError, match="unknown currency code"):
        currency_code_to_byte("ABC")
    with pytest.raises(ConfigurationError):
        byte_to_currency_code(250)
    assert to_wire({"_Currency1": "SEK", "Currency": "SEK"}) == {
        "_Currency1": 10,
        "Currency": "SEK",
    }
