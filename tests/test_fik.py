"""FI payment codes (faktura.fik): vectors from fik.md, error cases, properties, doctests."""

from __future__ import annotations

import doctest
import importlib
import pickle
import pkgutil
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

import faktura.fik as fik
from faktura.fik import (
    CARD_TYPES,
    FikError,
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    card71,
    card73,
    card75,
    codeline,
    creditor,
    giro01,
    giro04,
    giro15,
    mod10,
)

CREDITOR = "12345678"  # the seed guide's placeholder: hard rule OK, soft rule fails
NUMERIC_CARDS = [card71, card75, giro04, giro15]


def reference_check_digit(base: str) -> str:
    """Independent right-anchored Luhn, written from the fik.md wording."""
    total = 0
    for i, char in enumerate(reversed(base)):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def reference_soft_rule_ok(number: str) -> bool:
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    total = sum(int(d) * w for d, w in zip(number, weights, strict=True))
    return number[0] == "8" and total % 11 == 0


# --- the vectors from fik.md ------------------------------------------------------------------

TYPE71_VECTORS = [
    (1, "+71<000000000000018+12345678<"),
    (2, "+71<000000000000026+12345678<"),
    (10, "+71<000000000000109+12345678<"),
    (23, "+71<000000000000232+12345678<"),
    (67, "+71<000000000000679+12345678<"),
    (404040000066, "+71<004040400000669+12345678<"),
]


@pytest.mark.parametrize(("invoice", "line"), TYPE71_VECTORS)
def test_type71_vectors(invoice, line):
    assert card71.code_line(CREDITOR, invoice) == line
    assert card71.code_line(CREDITOR, str(invoice)) == line
    assert fik.code_line("71", CREDITOR, invoice) == line
    assert card71.payment_id(invoice) == line[4:19]
    assert codeline.validate(line) == line


def test_type75_vector():
    assert card75.code_line(CREDITOR, 1) == "+75<0000000000000018+12345678<"
    assert fik.code_line("75", CREDITOR, "1") == "+75<0000000000000018+12345678<"


def test_types_without_payment_id():
    assert card73.code_line(CREDITOR) == "+73<+12345678<"
    assert fik.code_line("73", CREDITOR) == "+73<+12345678<"
    assert giro01.code_line("1234567") == "+01<+1234567<"


def test_giro_04_and_15_carry_16_digit_ids():
    assert giro04.code_line(CREDITOR, 1) == "+04<0000000000000018+12345678<"
    assert giro15.code_line(CREDITOR, 404040000066) == "+15<0004040400000669+12345678<"


def test_check_digit_is_zero_not_ten():
    # base ...19: 9*2 -> 9, + 1 = 10, so S mod 10 == 0
    assert mod10.calc_check_digit("19") == "0"
    assert card71.payment_id(19) == "000000000000190"


def test_largest_invoice_numbers_that_fit():
    assert card71.payment_id("9" * 14) == "9" * 14 + "4"
    assert card75.payment_id("9" * 15) == "9" * 15 + "5"


def test_leading_zeros_in_invoice_number_are_padding():
    assert card71.payment_id("0023") == card71.payment_id(23) == "000000000000232"
    assert card71.payment_id("0" * 20 + "23") == "000000000000232"


def test_registry():
    assert set(CARD_TYPES) == {"01", "04", "15", "71", "73", "75"}
    assert {t: m.ID_LENGTH for t, m in CARD_TYPES.items()} == {
        "71": 15, "75": 16, "04": 16, "15": 16, "73": None, "01": None,
    }
    for card_type, module in CARD_TYPES.items():
        assert card_type == module.CARD_TYPE


# --- creditor number -------------------------------------------------------------------------


def test_placeholder_creditor_is_accepted_with_warnings():
    assert creditor.validate(CREDITOR) == CREDITOR
    assert creditor.is_valid(CREDITOR)
    found = creditor.warnings(CREDITOR)
    assert len(found) == 2
    assert all("creditor number '12345678'" in w for w in found)
    assert any("start with 8" in w for w in found)
    assert any("modulus-11" in w for w in found)


@pytest.mark.parametrize("number", ["80000006", "81234566"])
def test_creditor_passing_soft_rule_has_no_warning(number):
    # 8*2 + 6*1 = 22; 8*2 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 + 6*1 = 99 = 9*11
    assert reference_soft_rule_ok(number)
    assert creditor.warnings(number) == []


def test_creditor_soft_rule_reports_each_failing_part():
    only_mod11 = creditor.warnings("80000007")  # starts with 8, sum 23
    assert len(only_mod11) == 1 and "modulus-11" in only_mod11[0]
    only_prefix = creditor.warnings("10000009")  # 1*2 + 9 = 11, does not start with 8
    assert len(only_prefix) == 1 and "start with 8" in only_prefix[0]


def test_creditor_compact_and_format():
    assert creditor.compact(" 1234 5678 ") == CREDITOR
    assert creditor.format(12345678) == CREDITOR


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("1234567", InvalidLength),
        ("123456789", InvalidLength),
        ("", InvalidFormat),
        ("1234-5678", InvalidFormat),
        ("1234567a", InvalidFormat),
        ("١٢٣٤٥٦٧٨", InvalidFormat),  # Arabic-Indic digits: isdigit() but not 0-9
        (-1234567, InvalidFormat),
    ],
)
def test_bad_creditor_numbers(number, error):
    with pytest.raises(error, match="^creditor number"):
        creditor.validate(number)
    assert not creditor.is_valid(number)
    with pytest.raises(error, match="^creditor number"):
        card71.code_line(number, 1)


@given(st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_soft_rule_is_only_ever_a_warning(number):
    assert creditor.validate(number) == number
    assert (creditor.warnings(number) == []) == reference_soft_rule_ok(number)


# --- payment IDs: errors ---------------------------------------------------------------------


def test_non_digit_invoice_message():
    with pytest.raises(InvalidFormat) as info:
        card71.payment_id("12a4")
    assert str(info.value) == "payment ID '12a4': only digits 0-9 are allowed"
    assert info.value.field == "payment ID"


@pytest.mark.parametrize(
    ("invoice", "error"),
    [
        ("12a4", InvalidFormat),
        (" 23", InvalidFormat),  # never strip: refuse
        ("23 ", InvalidFormat),
        ("1-23", InvalidFormat),
        ("1.0", InvalidFormat),
        ("-5", InvalidFormat),
        ("", InvalidFormat),
        ("²", InvalidFormat),
        (True, InvalidFormat),
        (23.0, InvalidFormat),
        (None, InvalidFormat),
        (-5, InvalidComponent),
        (0, InvalidComponent),
        ("0", InvalidComponent),
        ("000", InvalidComponent),
        ("1" + "0" * 14, InvalidLength),  # 15 digits: too long for 71
        (10**14, InvalidLength),
    ],
)
def test_bad_invoice_numbers_type71(invoice, error):
    with pytest.raises(error, match="^payment ID"):
        card71.payment_id(invoice)
    with pytest.raises(error, match="^payment ID"):
        fik.code_line("71", CREDITOR, invoice if invoice is not None else "")


def test_too_long_for_71_suggests_75_and_75_takes_it():
    with pytest.raises(InvalidLength, match="at most 14; card type 75 holds up to 15"):
        card71.payment_id("1" * 15)
    assert card75.payment_id("1" * 15) == "1" * 15 + card75.calc_check_digit("1" * 15)
    with pytest.raises(InvalidLength, match="the invoice number has 16 digits"):
        card75.payment_id("1" * 16)


def test_missing_or_unexpected_invoice_number():
    with pytest.raises(InvalidComponent, match="^payment ID: card type 71 needs an invoice number"):
        card71.code_line(CREDITOR)
    with pytest.raises(InvalidComponent, match="card type 73 carries no payment ID"):
        card73.code_line(CREDITOR, 1)
    with pytest.raises(InvalidComponent, match="card type 01 carries no payment ID"):
        giro01.code_line("1234567", 1)


@pytest.mark.parametrize(
    ("payment_id", "error"),
    [
        ("000000000000019", InvalidChecksum),
        ("00000000000018", InvalidLength),
        ("0000000000000018", InvalidLength),
        ("00000000000001a", InvalidFormat),
        ("000000000000000", InvalidComponent),
        ("", InvalidFormat),
    ],
)
def test_bad_payment_ids_type71(payment_id, error):
    with pytest.raises(error, match="^payment ID"):
        card71.validate(payment_id)
    assert not card71.is_valid(payment_id)


def test_validate_accepts_grouped_payment_id():
    assert card71.validate("0040 4040 0000 669") == "004040400000669"


def test_card_check_digit_refuses_too_long_base():
    assert card71.calc_check_digit("404040000066") == "9"
    with pytest.raises(InvalidLength, match="^payment ID"):
        card71.calc_check_digit("1" * 15)


@pytest.mark.parametrize(
    ("account", "error"),
    [("123456", InvalidLength), ("12345678", InvalidLength), ("12345a7", InvalidFormat),
     (1234567, InvalidFormat)],
)
def test_bad_giro_accounts(account, error):
    with pytest.raises(error, match="^giro account"):
        giro01.code_line(account)


@pytest.mark.parametrize(
    ("card_type", "error"),
    [("99", InvalidComponent), ("72", InvalidComponent), ("7", InvalidFormat),
     ("071", InvalidFormat), ("7l", InvalidFormat), (71, InvalidFormat)],
)
def test_unknown_card_types(card_type, error):
    with pytest.raises(error, match="^card type"):
        fik.code_line(card_type, CREDITOR, 1)


# --- code lines ------------------------------------------------------------------------------


def test_parse_accepts_spaces_and_returns_parts():
    parsed = codeline.parse(" +71< 0040 4040 0000 669 +1234 5678< ")
    assert parsed == fik.CodeLine("71", "004040400000669", CREDITOR)
    assert str(parsed) == "+71<004040400000669+12345678<"


def test_parse_types_without_id():
    assert codeline.parse("+73<+12345678<") == fik.CodeLine("73", None, CREDITOR)
    assert codeline.parse("+01<+1234567<").creditor == "1234567"


def test_code_line_is_frozen():
    parsed = codeline.parse("+73<+12345678<")
    with pytest.raises(FrozenInstanceError):
        parsed.creditor = "80000006"


@pytest.mark.parametrize(
    ("line", "error", "field"),
    [
        ("", InvalidFormat, "code line"),
        ("71<000000000000018+12345678<", InvalidFormat, "code line"),
        ("+71<000000000000018+12345678", InvalidFormat, "code line"),
        ("+71<000000000000018<12345678<", InvalidFormat, "code line"),
        ("+71<000000000000018+12345678<>", InvalidFormat, "code line"),
        ("+72<000000000000018+12345678<", InvalidComponent, "card type"),
        ("+7<000000000000018+12345678<", InvalidFormat, "card type"),
        ("+71<00000000000018+12345678<", InvalidLength, "payment ID"),
        ("+71<0000000000000018+12345678<", InvalidLength, "payment ID"),
        ("+71<+12345678<", InvalidLength, "payment ID"),
        ("+71<000000000000017+12345678<", InvalidChecksum, "payment ID"),
        ("+71<00000000000001x+12345678<", InvalidFormat, "payment ID"),
        ("+73<000000000000018+12345678<", InvalidComponent, "payment ID"),
        ("+71<000000000000018+1234567<", InvalidLength, "creditor number"),
        ("+71<000000000000018+1234567a<", InvalidFormat, "creditor number"),
        ("+01<+12345678<", InvalidLength, "giro account"),
    ],
)
def test_invalid_code_lines(line, error, field):
    with pytest.raises(error) as info:
        codeline.validate(line)
    assert str(info.value).startswith(field)
    assert info.value.field == field
    assert not codeline.is_valid(line)


def test_format_validates_stored_parts():
    assert codeline.format("71", "004040400000669", CREDITOR) == TYPE71_VECTORS[-1][1]
    assert codeline.format("73", None, CREDITOR) == "+73<+12345678<"
    with pytest.raises(InvalidChecksum):
        codeline.format("71", "004040400000668", CREDITOR)


# --- exceptions ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [InvalidFormat, InvalidLength, InvalidChecksum, InvalidComponent])
def test_exception_hierarchy(cls):
    assert issubclass(cls, FikError) and issubclass(cls, ValueError)
    err = cls("payment ID", "12a4", "problem")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is cls and str(clone) == str(err) == "payment ID '12a4': problem"


# --- properties ------------------------------------------------------------------------------

bases = st.from_regex(r"[0-9]{1,30}", fullmatch=True)
numeric_card = st.sampled_from(NUMERIC_CARDS)


@st.composite
def valid_ids(draw):
    card = draw(numeric_card)
    invoice = draw(st.integers(min_value=1, max_value=10 ** (card.ID_LENGTH - 1) - 1))
    return card.payment_id(invoice)


@given(bases)
def test_check_digit_makes_number_valid(base):
    digit = mod10.calc_check_digit(base)
    assert len(digit) == 1
    assert digit == reference_check_digit(base)
    assert mod10.is_valid(base + digit)


@given(valid_ids(), st.data())
def test_any_single_digit_change_is_detected(payment_id, data):
    position = data.draw(st.integers(0, len(payment_id) - 1))
    new_digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != payment_id[position]))
    changed = payment_id[:position] + new_digit + payment_id[position + 1 :]
    assert not mod10.is_valid(changed)


@given(valid_ids(), st.data())
def test_adjacent_transpositions_are_detected_except_09(payment_id, data):
    position = data.draw(st.integers(0, len(payment_id) - 2))
    a, b = payment_id[position], payment_id[position + 1]
    swapped = payment_id[:position] + b + a + payment_id[position + 2 :]
    if a == b or {a, b} == {"0", "9"}:
        return  # nothing changed / Luhn's known blind spot
    assert not mod10.is_valid(swapped)


@given(bases, st.integers(min_value=1, max_value=20))
def test_leading_zeros_never_change_check_digit(base, zeros):
    assert mod10.calc_check_digit("0" * zeros + base) == mod10.calc_check_digit(base)


@given(numeric_card, st.data())
def test_payment_id_round_trips_through_parse(card, data):
    invoice = data.draw(st.integers(min_value=1, max_value=10 ** (card.ID_LENGTH - 1) - 1))
    line = card.code_line(CREDITOR, invoice)
    parsed = codeline.parse(line)
    assert parsed.card_type == card.CARD_TYPE
    assert parsed.payment_id == card.payment_id(invoice)
    assert len(parsed.payment_id) == card.ID_LENGTH
    assert int(parsed.payment_id[:-1]) == invoice  # nothing truncated
    assert parsed.creditor == CREDITOR
    assert str(parsed) == line


@given(st.integers(1, 10**14 - 1), st.integers(1, 10**14 - 1))
def test_different_invoices_never_share_a_payment_id(a, b):
    if a != b:
        assert card71.payment_id(a) != card71.payment_id(b)
    else:
        assert card71.payment_id(a) == card71.payment_id(str(b))


# --- doctests --------------------------------------------------------------------------------

MODULES = ["faktura.fik"] + [
    f"faktura.fik.{info.name}" for info in pkgutil.iter_modules(fik.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if not name.rsplit(".", 1)[-1].startswith("_") and not name.endswith(".cli"):
        assert result.attempted > 0, f"{name} has no doctest examples"
