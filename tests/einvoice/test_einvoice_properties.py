"""Random valid invoices: each exports to both formats, passes the official rules, and states
the payable amount and VAT of the computed invoice (what the PDF prints)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einvoice import FORMATS, build
from faktura.computed import compute
from faktura.model import parse_invoice
from faktura.settings import Settings
from tests.einvoice.conftest import Validate, text

UNITS = ["timer", "stk.", "dage", "kasser", "hours", None]

lines = st.lists(
    st.fixed_dictionaries({
        "text": st.sampled_from(["Rådgivning", "Kørsel", "Udlæg & gebyr", "<Møde>"]),
        "quantity": st.decimals(min_value=Decimal("0.25"), max_value=Decimal("500"),
                                places=2),
        "unit": st.sampled_from(UNITS),
        "unit_price": st.one_of(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("25000"), places=2),
            st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99"), places=4)),
        "discount_percent": st.sampled_from([None, Decimal("0"), Decimal("5"),
                                             Decimal("12.5")]),
        "vat": st.booleans(),
    }),
    min_size=1, max_size=6,
)

invoices = st.fixed_dictionaries({
    "lines": lines,
    "currency": st.sampled_from(["DKK", "DKK", "EUR"]),
    "credit": st.booleans(),
    "ean": st.booleans(),
    "number": st.integers(min_value=1, max_value=10**13).map(str),
    "card_type": st.sampled_from(["71", "75"]),
    "period": st.booleans(),
})


def invoice_data(drawn: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source_id": "H-1", "issue_date": "2026-11-02", "buyer_reference": "Indkøb",
        "customer": {"customer_number": "9", "name": "Kunde & Søn ApS",
                     "vat_number": "DK 12 34 56 74",
                     "address": {"line1": "Gade 1", "post_code": "8000", "city": "Aarhus C"}},
        "lines": [{"text": "Overskrift"}] + [
            {k: str(v) if isinstance(v, Decimal) else v for k, v in line.items()
             if v is not None} for line in drawn["lines"]],
    }
    if drawn["ean"]:
        data["customer"]["ean"] = "5790001234560"
    if drawn["currency"] != "DKK":
        data.update(currency_code="EUR", exchange_rate="7.4604")
    if drawn["period"]:
        data.update(invoicing_period_start="2026-10-01", invoicing_period_end="2026-10-31")
    if drawn["credit"]:
        data.update(type_code=381, preceding_invoice_reference="20260001")
    return data


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=invoices)
def test_random_invoices_pass_the_rules_and_state_the_computed_totals(
        drawn: dict[str, Any], sample_settings: Settings, fatal_findings: Validate) -> None:
    invoice = parse_invoice(invoice_data(drawn))
    layout = sample_settings.layout.model_copy(update={"fi_card_type": drawn["card_type"]})
    config = sample_settings.model_copy(update={"layout": layout})
    computed = compute(invoice, config).numbered(drawn["number"], config)
    for fmt in FORMATS:
        xml = build(computed, config, fmt).xml
        findings = fatal_findings(xml, fmt)
        assert findings == [], (invoice_data(drawn), [f.line() for f in findings])
        assert text(xml, "cac:LegalMonetaryTotal/cbc:PayableAmount") == [
            f"{computed.totals.amount_due:.2f}"]
        assert text(xml, "cac:TaxTotal/cbc:TaxAmount")[0] == f"{computed.totals.vat_amount:.2f}"
