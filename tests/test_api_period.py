"""The archive as a bookkeeper's period view over HTTP, and the list of past batches.

Invoices are issued through the real pipeline (render, e-invoice, archive; a fake poster
numbers them); the period's net and VAT are checked against an independent sum: the
archived e-invoices' own totals (Peppol BIS 3 XML), credit notes subtracted.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from test_api import Api, issue
from test_api_helpers import sample

from delivery.payments import PaymentStatusStore, StatusRecord
from faktura.payment import PaymentStatus
from faktura.settings import EInvoiceSettings

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    running = Api(tmp_path_factory.mktemp("period"),
                  einvoice=EInvoiceSettings(when="always", format="peppol"))
    with running.client:
        yield running


def xml_totals(xml: bytes) -> tuple[Decimal, Decimal, bool]:
    """(net, VAT, is a credit note) as the e-invoice states them."""
    root = ElementTree.fromstring(xml)
    net = root.find("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", NS)
    vat = root.find("cac:TaxTotal/cbc:TaxAmount", NS)
    assert net is not None and vat is not None
    return Decimal(net.text or ""), Decimal(vat.text or ""), root.tag.endswith("CreditNote")


def test_period_totals_filters_and_csv_in_number_order(api: Api) -> None:
    numbers = {}
    for key, data in (("bager", sample(source_id="P-BAGER")),
                      ("acme", sample("04-mixed-vat.json", source_id="P-ACME")),
                      ("december", sample(source_id="P-DEC", issue_date="2026-12-01"))):
        numbers[key] = issue(api, data).json()["invoice_number"]
    numbers["credit"] = issue(api, sample(
        "05-credit-note.json", source_id="P-CREDIT",
        preceding_invoice_reference=numbers["acme"])).json()["invoice_number"]
    with PaymentStatusStore(api.alpha.state_dir / "delivery.sqlite") as store:
        now = datetime.now(UTC)
        store.save("alpha", [StatusRecord(numbers["bager"], PaymentStatus.PAID, None, None,
                                          now)])

    get = api.client.get
    november = get("/v1/archive?from=2026-11-01&to=2026-11-30&order=number&totals=true",
                   headers=api.headers()).json()
    listed = [item["invoice_number"] for item in november["items"]]
    assert listed == sorted(listed, key=int) and numbers["december"] not in listed
    assert november["count"] == 3 and november["uncomputed"] == []
    assert november["statuses"][numbers["bager"]] == "paid"
    assert november["statuses"][numbers["acme"]] == "unknown"

    net = vat = gross = Decimal(0)
    for number in listed:  # the independent sum: each archived e-invoice's own totals
        item_net, item_vat, credit = xml_totals(
            get(f"/v1/archive/{number}/xml", headers=api.headers()).content)
        sign = -1 if credit else 1
        net, vat, gross = net + sign * item_net, vat + sign * item_vat, \
            gross + sign * (item_net + item_vat)
    [dkk] = november["totals"]
    assert (dkk["currency"], dkk["count"]) == ("DKK", 3)
    assert (Decimal(dkk["net"]), Decimal(dkk["vat"]), Decimal(dkk["gross"])) == (net, vat,
                                                                                 gross)

    paid = get("/v1/archive?status=paid", headers=api.headers()).json()
    assert [item["invoice_number"] for item in paid["items"]] == [numbers["bager"]]

    exported = get("/v1/archive?from=2026-11-01&to=2026-11-30&format=csv",
                   headers=api.headers())
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["invoice_number"] for row in rows] == listed
    credit_row = next(row for row in rows if row["invoice_number"] == numbers["credit"])
    assert credit_row["document_type"] == "credit_note" and credit_row["gross"].startswith("-")
    assert sum(Decimal(row["gross"]) for row in rows) == gross

    wrong = get("/v1/archive?status=lost", headers=api.headers())
    assert wrong.status_code == 422 and "status" in wrong.text and "lost" not in wrong.text


def test_past_batches_are_listed_with_counts_and_failures(api: Api) -> None:
    bad = sample(source_id="B-BAD")
    bad["lines"] = [{"text": "no amount"}]
    accepted = api.client.post("/v1/batches", json={"invoices": [
        sample(source_id="B-GOOD"), bad]}, headers=api.headers()).json()
    deadline = time.monotonic() + 120
    while api.client.get(accepted["status_url"], headers=api.headers()).json()["status"] \
            in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    listed = api.client.get("/v1/batches", headers=api.headers())
    assert listed.status_code == 200, listed.text
    [batch] = [b for b in listed.json()["items"] if b["id"] == accepted["id"]]
    assert (batch["status"], batch["total"], batch["issued"], batch["failed"]) == (
        "done", 2, 1, 1)
    [failure] = batch["failures"]
    assert failure["index"] == 1 and failure["errors"]
    other = api.client.get("/v1/batches", headers=api.headers("beta")).json()
    assert accepted["id"] not in {b["id"] for b in other["items"]}  # another tenant's
