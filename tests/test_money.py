"""Money, VAT and totals (faktura.money): the rounding rule, properties, and every sample by hand.

Independent arithmetic in this file works in integer øre and `fractions.Fraction`, not through
`faktura.money`, so a wrong rounding mode or a per-line VAT sum in the code shows up here.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.model import Invoice
from infra.invoice_file import load_invoice
from faktura.money import compute_totals, due_date, line_net_amount, round_ore, vat_of

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
VAT = Decimal(25)


def invoice(lines: list[dict[str, Any]], **fields: Any) -> Invoice:
    data: dict[str, Any] = {
        "source_id": "T-1",
        "issue_date": "2026-11-02",
        "customer": {"customer_number": "1", "name": "Kunde ApS"},
        "lines": lines,
    }
    data.update(fields)
    return Invoice.model_validate(data)


def item(quantity: str, price: str, discount: str | None = None, vat: bool = True) -> dict:
    line: dict[str, Any] = {"text": "Ydelse", "quantity": quantity, "unit_price": price,
                            "vat": vat}
    if discount is not None:
        line["discount_percent"] = discount
    return line


# --- independent reference arithmetic -------------------------------------------------------

def half_up_to_ore(exact: Fraction) -> int:
    """An exact amount in kroner → whole øre, half away from zero (integer arithmetic)."""
    ore = exact * 100
    sign = -1 if ore < 0 else 1
    magnitude = abs(ore)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole


def ref_line_ore(quantity: Decimal, price: Decimal, discount: Decimal) -> int:
    exact = Fraction(quantity) * Fraction(price) * (100 - Fraction(discount)) / 100
    return half_up_to_ore(exact)


def ref_vat_ore(taxable_ore: int, rate: int = 25) -> int:
    return half_up_to_ore(Fraction(taxable_ore * rate, 100 * 100))


def kr(ore: int) -> Decimal:
    return Decimal(ore) / 100


# --- strategies ------------------------------------------------------------------------------

quantities = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=2,
                         allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("25000"), places=4,
                     allow_nan=False, allow_infinity=False)
discounts = st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal("100"),
                                              places=2, allow_nan=False, allow_infinity=False))
lines_strategy = st.lists(
    st.builds(lambda q, p, d, v: item(str(q), str(p), None if d is None else str(d), v),
              quantities, prices, discounts, st.booleans()),
    min_size=1, max_size=12,
)


# --- properties ------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(lines_strategy)
def test_totals_add_up_to_the_ore(lines: list[dict]) -> None:
    totals = compute_totals(invoice(lines), VAT)
    assert totals.total_with_vat == totals.taxable_amount + totals.exempt_amount + totals.vat_amount
    assert totals.line_total == totals.taxable_amount + totals.exempt_amount
    assert totals.amount_due == totals.total_with_vat
    for amount in (totals.taxable_amount, totals.exempt_amount, totals.vat_amount,
                   totals.total_with_vat):
        assert amount.as_tuple().exponent == -2, amount


@settings(max_examples=100, deadline=None)
@given(lines_strategy)
def test_line_amounts_and_vat_match_an_independent_computation(lines: list[dict]) -> None:
    totals = compute_totals(invoice(lines), VAT)
    taxable = exempt = 0
    for line, amount in zip(lines, totals.line_amounts, strict=True):
        expected = ref_line_ore(Decimal(line["quantity"]), Decimal(line["unit_price"]),
                                Decimal(line.get("discount_percent") or 0))
        assert amount == kr(expected)  # whole øre, half-up
        assert amount.as_tuple().exponent == -2
        if line["vat"]:
            taxable += expected
        else:
            exempt += expected
    assert totals.taxable_amount == kr(taxable)
    assert totals.exempt_amount == kr(exempt)
    # VAT is 25 % of the *sum* of the VAT lines, rounded once, half-up.
    assert totals.vat_amount == kr(ref_vat_ore(taxable))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_permuting_lines_does_not_change_totals(data: st.DataObject) -> None:
    lines = data.draw(lines_strategy)
    shuffled = data.draw(st.permutations(lines))
    a = compute_totals(invoice(lines), VAT)
    b = compute_totals(invoice(shuffled), VAT)
    assert (a.taxable_amount, a.exempt_amount, a.vat_amount, a.total_with_vat) == (
        b.taxable_amount, b.exempt_amount, b.vat_amount, b.total_with_vat)
    assert sorted(x for x in a.line_amounts if x is not None) == sorted(
        x for x in b.line_amounts if x is not None)


@settings(max_examples=100, deadline=None)
@given(lines_strategy)
def test_a_credit_note_of_the_same_lines_has_the_same_totals(lines: list[dict]) -> None:
    original = compute_totals(invoice(lines), VAT)
    credit = compute_totals(
        invoice(lines, type_code=381, preceding_invoice_reference="20260001"), VAT)
    assert credit.line_amounts == original.line_amounts
    assert credit.vat_amount == original.vat_amount
    assert credit.total_with_vat == original.total_with_vat


@settings(max_examples=100, deadline=None)
@given(st.lists(st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2,
                            allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_vat_on_the_sum_differs_from_per_line_vat_by_at_most_half_an_ore_per_line(
    amounts: list[Decimal],
) -> None:
    on_sum = vat_of(sum(amounts, Decimal(0)), VAT)
    exact = sum((Fraction(a) for a in amounts), Fraction(0)) / 4
    assert abs(Fraction(on_sum) - exact) <= Fraction(1, 200)


# --- rounding edge cases ---------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "price", "discount", "expected"), [
    ("1", "0.125", "0", "0.13"),  # x.xx5 → up (half-even would give 0.12)
    ("1", "2.675", "0", "2.68"),  # the classic binary-float trap: 2.675 is not 2.67499…
    ("1", "0.005", "0", "0.01"),
    ("3", "0.335", "0", "1.01"),  # 1.005
    ("-1", "2.675", "0", "-2.68"),  # negative line: half away from zero, symmetric
    ("-1", "0.125", "0", "-0.13"),
    ("7.5", "950", "0", "7125.00"),
    ("1", "999.99", "5", "949.99"),  # 949.9905
    ("1", "0.1", "50", "0.05"),
    ("1", "0.01", "50", "0.01"),  # 0.005
    ("2.5", "12345.6789", "100", "0.00"),  # 100 % discount: nothing
    ("-1", "5", "100", "0.00"),  # … and not "-0.00" on a negative line
    ("-1", "0.004", "0", "0.00"),
    ("0", "950", "0", "0.00"),
])
def test_line_rounding(quantity: str, price: str, discount: str, expected: str) -> None:
    amount = line_net_amount(Decimal(quantity), Decimal(price), Decimal(discount))
    assert amount == Decimal(expected)
    assert str(amount) == expected  # exactly two decimals, no "-0.00"


@pytest.mark.parametrize(("taxable", "expected"), [
    ("0.10", "0.03"),  # 0.025 → up
    ("0.02", "0.01"),  # 0.005 → up
    ("9368.75", "2342.19"),  # 2342.1875
    ("-0.10", "-0.03"),
    ("0.00", "0.00"),
])
def test_vat_rounding(taxable: str, expected: str) -> None:
    assert vat_of(Decimal(taxable), VAT) == Decimal(expected)


def test_round_ore_is_half_up_not_bankers() -> None:
    assert round_ore(Decimal("0.125")) == Decimal("0.13")
    assert round_ore(Decimal("0.135")) == Decimal("0.14")
    assert round_ore(Decimal("-0.125")) == Decimal("-0.13")


def test_vat_is_on_the_sum_not_a_sum_of_per_line_vat() -> None:
    # Three lines of 0.10: per-line VAT 0.025 → 0.03 each = 0.09; on the sum 0.30 → 0.075 → 0.08.
    totals = compute_totals(invoice([item("1", "0.10")] * 3), VAT)
    assert totals.vat_amount == Decimal("0.08")
    assert totals.total_with_vat == Decimal("0.38")


def test_a_100_percent_discount_line_adds_nothing() -> None:
    totals = compute_totals(invoice([item("1", "1000", "100"), item("2", "50")]), VAT)
    assert totals.line_amounts == (Decimal("0.00"), Decimal("100.00"))
    assert totals.vat_amount == Decimal("25.00")
    assert totals.total_with_vat == Decimal("125.00")


def test_a_negative_line_reduces_the_taxable_amount() -> None:
    totals = compute_totals(invoice([item("10", "100"), item("-1", "250.50")]), VAT)
    # 1000.00 − 250.50 = 749.50; VAT 187.375 → 187.38; total 936.88
    assert totals.taxable_amount == Decimal("749.50")
    assert totals.vat_amount == Decimal("187.38")
    assert totals.total_with_vat == Decimal("936.88")


def test_default_discount_applies_only_to_lines_without_their_own() -> None:
    totals = compute_totals(invoice(
        [item("1", "1000"), item("1", "1000", "0"), item("1", "1000", "50")],
        default_discount_percent="10"), VAT)
    assert totals.line_amounts == (Decimal("900.00"), Decimal("1000.00"), Decimal("500.00"))


def test_text_lines_have_no_amount_and_do_not_count() -> None:
    totals = compute_totals(invoice([{"text": "Overskrift"}, item("2", "100")]), VAT)
    assert totals.line_amounts == (None, Decimal("200.00"))
    assert totals.line_total == Decimal("200.00")


def test_vat_breakdown_lists_standard_and_exempt_categories() -> None:
    totals = compute_totals(invoice([item("1", "100"), item("1", "40", vat=False)]), VAT)
    s, e = totals.vat_breakdown
    assert (s.category_code, s.rate, s.taxable_amount, s.tax_amount) == (
        "S", VAT, Decimal("100.00"), Decimal("25.00"))
    assert (e.category_code, e.rate, e.taxable_amount, e.tax_amount) == (
        "E", Decimal(0), Decimal("40.00"), Decimal("0.00"))
    only_exempt = compute_totals(invoice([item("1", "40", vat=False)]), VAT)
    assert [b.category_code for b in only_exempt.vat_breakdown] == ["E"]
    assert only_exempt.vat_amount == Decimal("0.00")


def test_the_vat_rate_comes_from_the_settings() -> None:
    totals = compute_totals(invoice([item("1", "100")]), Decimal("12.5"))
    assert totals.vat_amount == Decimal("12.50")


# --- due date --------------------------------------------------------------------------------

def test_due_date_is_issue_date_plus_terms_of_payment() -> None:
    assert due_date(invoice([item("1", "1")]), 8) == date(2026, 11, 10)
    assert due_date(invoice([item("1", "1")], issue_date="2026-12-28"), 8) == date(2027, 1, 5)
    assert due_date(invoice([item("1", "1")]), 0) == date(2026, 11, 2)


def test_a_given_due_date_wins_over_the_terms() -> None:
    given_date = invoice([item("1", "1")], due_date="2026-11-30")
    assert due_date(given_date, 8) == date(2026, 11, 30)


# --- every sample, by hand -------------------------------------------------------------------

def totals_of(name: str):
    return compute_totals(load_invoice(SAMPLES / name), VAT)


def test_sample_01_one_line() -> None:
    # 1 × 12 500.00 = 12 500.00; VAT 25 % = 3 125.00; total 15 625.00
    t = totals_of("01-one-line.json")
    assert (t.taxable_amount, t.exempt_amount, t.vat_amount, t.total_with_vat) == (
        Decimal("12500.00"), Decimal("0.00"), Decimal("3125.00"), Decimal("15625.00"))
    assert t.vat_amount_dkk is None


def test_sample_02_consulting_month() -> None:
    # Hours: 7.5+6+3.25+8+4.5+7+2.75+6.5+5+7.25+3+8+6.75+4+7.5+5.5+6+2.5+7+3.5 = 111.5
    # 111.5 × 950.00 = 105 925.00 (every line is a whole øre: quarter hours × 950);
    # VAT 26 481.25; total 132 406.25
    t = totals_of("02-consulting-month.timelog.json")
    assert len(t.line_amounts) == 20
    assert t.line_amounts[0] == Decimal("7125.00")  # 7.5 × 950
    assert t.line_amounts[2] == Decimal("3087.50")  # 3.25 × 950
    assert (t.taxable_amount, t.exempt_amount, t.vat_amount, t.total_with_vat) == (
        Decimal("105925.00"), Decimal("0.00"), Decimal("26481.25"), Decimal("132406.25"))


def test_sample_03_long_annual_summed_independently() -> None:
    # 168 lines (12 month headings + 156 items): summed here with plain Decimal from the JSON.
    data = json.loads((SAMPLES / "03-long-annual.json").read_text(encoding="utf-8"))
    taxable = Decimal(0)
    items = 0
    for line in data["lines"]:
        if "quantity" not in line:
            continue
        items += 1
        q = Decimal(line["quantity"])
        p = Decimal(line["unit_price"])
        assert line.get("vat", True) and "discount_percent" not in line
        taxable += (q * p).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    vat = (taxable / 4).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert (len(data["lines"]), items) == (168, 156)
    t = totals_of("03-long-annual.json")
    assert t.taxable_amount == taxable
    assert t.vat_amount == vat
    assert t.total_with_vat == taxable + vat
    # The same figures as printed on the invoice (pinned so a changed sample is noticed):
    assert (taxable, vat, taxable + vat) == (
        Decimal("176341.25"), Decimal("44085.31"), Decimal("220426.56"))


def test_sample_04_mixed_vat() -> None:
    # 3.5 × 1150 = 4025.00; 6.25 × 950 × 0.9 = 5343.75; taxable 9368.75;
    # VAT 2342.1875 → 2342.19; outlays 1850.00 + 500.00 = 2350.00;
    # total 9368.75 + 2350.00 + 2342.19 = 14060.94
    t = totals_of("04-mixed-vat.json")
    assert t.line_amounts == (None, Decimal("4025.00"), Decimal("5343.75"), None,
                              Decimal("1850.00"), Decimal("500.00"))
    assert (t.taxable_amount, t.outlay_amount, t.vat_amount, t.total_with_vat) == (
        Decimal("9368.75"), Decimal("2350.00"), Decimal("2342.19"), Decimal("14060.94"))
    assert t.exempt_amount == 0 and not t.has_exempt_lines


def test_sample_05_credit_note() -> None:
    # 2.75 × 950 = 2612.50; VAT 653.125 → 653.13; credited 3265.63 (positive, as in EN 16931)
    t = totals_of("05-credit-note.json")
    assert (t.taxable_amount, t.vat_amount, t.total_with_vat) == (
        Decimal("2612.50"), Decimal("653.13"), Decimal("3265.63"))


def test_sample_06_eur_states_vat_in_dkk() -> None:
    # 12.5 × 145 = 1812.50; 4 × 165 × 0.95 = 627.00; taxable 2439.50;
    # VAT 609.875 → 609.88; total 3049.38 EUR.
    # VAT in DKK: 609.88 × 7.4604 = 4549.948752 → 4549.95
    t = totals_of("06-eur-invoice.json")
    assert t.currency_code == "EUR" and t.is_foreign_currency
    assert (t.taxable_amount, t.vat_amount, t.total_with_vat) == (
        Decimal("2439.50"), Decimal("609.88"), Decimal("3049.38"))
    assert t.exchange_rate == Decimal("7.4604")
    assert t.vat_amount_dkk == Decimal("4549.95")
