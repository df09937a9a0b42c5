"""Settings (faktura.settings): the ClientTime collection's rules, the environment, the password."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from faktura.errors import InvalidInput
from faktura.settings import Settings
from infra.settings_files import load_settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_TOML = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
PASSWORD = "Pw-9f3K!zQ-uniconta"  # distinctive: must never appear in any output


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("FAKTURA_"):
            monkeypatch.delenv(name)


def toml_with(**integration: object) -> str:
    """The sample settings with [integration] members replaced (None: removed)."""
    text = SAMPLE_TOML.replace('Password = "demo-secret"', f'Password = "{PASSWORD}"')
    for key, value in integration.items():
        pattern = re.compile(rf"^{key} = .*$", re.MULTILINE)
        assert pattern.search(text), key
        if value is None:
            text = pattern.sub("", text)
        else:
            literal = f'"{value}"' if isinstance(value, str) else str(value)
            text = pattern.sub(f"{key} = {literal}", text)
    return text


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((SAMPLES / "logo.png").read_bytes())
    return load_settings(path)


def refused(tmp_path: Path, text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        load(tmp_path, text)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value.problems)
    return caught.value


def test_the_sample_settings_load() -> None:
    settings = load_settings(SAMPLES / "settings.toml")
    i = settings.integration
    assert (i.fi_creditor_number, i.terms_of_payment, i.vat_percentage,
            i.use_time_view_invoice) == ("85000012", 8, Decimal(25), 1)
    assert i.dimension_of == {"team": 1, "department": 2, "division": 0}
    assert settings.layout_name == "clienttime"
    assert settings.seller.cvr == "31415926"
    assert settings.seller.logo == (SAMPLES / "logo.png").resolve()  # relative to the file
    assert settings.state_dir == SAMPLES / "../var"


# --- FI creditor number ----------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["1234567", "123456789", "8500001a", "85-00-00-12"])
def test_the_creditor_number_must_be_8_digits(tmp_path: Path, bad: str) -> None:
    error = refused(tmp_path, toml_with(FiCreditorNumber=bad))
    assert "integration.FiCreditorNumber: the FI creditor number must be exactly 8 digits" in str(
        error)
    assert bad not in str(error)


def test_the_creditor_number_may_be_written_with_spaces(tmp_path: Path) -> None:
    settings = load(tmp_path, toml_with(FiCreditorNumber="8500 0012"))
    assert settings.integration.fi_creditor_number == "85000012"


# --- VAT percentage --------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 25, Decimal("12.5"), 100])
def test_vat_from_0_to_100_is_accepted(tmp_path: Path, value: object) -> None:
    settings = load(tmp_path, toml_with(VatPercentage=value))
    assert settings.integration.vat_percentage == Decimal(str(value))


@pytest.mark.parametrize("value", [-1, Decimal("100.01"), 125, "abc"])
def test_vat_outside_0_to_100_is_refused(tmp_path: Path, value: object) -> None:
    error = refused(tmp_path, toml_with(VatPercentage=value))
    assert [p.field for p in error.problems] == ["integration.VatPercentage"]


# --- dimensions ------------------------------------------------------------------------------

@pytest.mark.parametrize("dims", [(0, 0, 0), (1, 2, 3), (5, 0, 4), (3, 0, 0)])
def test_distinct_dimensions_0_to_5_are_accepted(tmp_path: Path, dims: tuple) -> None:
    team, department, division = dims
    settings = load(tmp_path, toml_with(TeamDimension=team, DepartmentDimension=department,
                                        DivisionDimension=division))
    assert settings.integration.dimension_of == {"team": team, "department": department,
                                                 "division": division}


@pytest.mark.parametrize(("member", "value"), [("TeamDimension", 6),
                                               ("DepartmentDimension", -1),
                                               ("DivisionDimension", 9)])
def test_a_dimension_outside_0_to_5_is_refused(tmp_path: Path, member: str, value: int) -> None:
    error = refused(tmp_path, toml_with(**{member: value}))
    assert [p.field for p in error.problems] == [f"integration.{member}"]


@pytest.mark.parametrize("dims", [(1, 1, 0), (2, 3, 2), (4, 4, 4)])
def test_non_zero_dimensions_must_differ(tmp_path: Path, dims: tuple) -> None:
    team, department, division = dims
    error = refused(tmp_path, toml_with(TeamDimension=team, DepartmentDimension=department,
                                        DivisionDimension=division))
    assert "must be different dimension numbers" in str(error)


# --- layout ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [2, -1, "yes"])
def test_use_time_view_invoice_is_0_or_1(tmp_path: Path, value: object) -> None:
    error = refused(tmp_path, toml_with(UseTimeViewInvoice=value))
    assert [p.field for p in error.problems] == ["integration.UseTimeViewInvoice"]


@pytest.mark.parametrize(("removed", "named"), [
    ({"FiCreditorNumber": None}, "FiCreditorNumber must have a value"),
    ({"FiCreditorNumber": ""}, "FiCreditorNumber must have a value"),
    ({"PaymentInfo": None}, "PaymentInfo must have a value"),
    ({"FiCreditorNumber": None, "PaymentInfo": ""}, "FiCreditorNumber and PaymentInfo must"),
])
def test_the_clienttime_layout_needs_creditor_number_and_payment_info(
    tmp_path: Path, removed: dict, named: str,
) -> None:
    error = refused(tmp_path, toml_with(**removed))
    assert named in str(error)
    assert "UseTimeViewInvoice is 1" in str(error)


def test_the_uniconta_layout_needs_neither(tmp_path: Path) -> None:
    settings = load(tmp_path, toml_with(UseTimeViewInvoice=0, FiCreditorNumber=None,
                                        PaymentInfo=None))
    assert settings.layout_name == "uniconta"
    assert settings.integration.fi_creditor_number is None


# --- other members ---------------------------------------------------------------------------

@pytest.mark.parametrize(("member", "value"), [("TermsOfPayment", -1),
                                               ("TermsOfPayment", 366),
                                               ("Username", ""),
                                               ("ProductNumber", ""),
                                               ("Company", "")])
def test_other_integration_members_are_checked(tmp_path: Path, member: str, value: object) -> None:
    error = refused(tmp_path, toml_with(**{member: value}))
    assert [p.field for p in error.problems] == [f"integration.{member}"]


def test_a_missing_member_is_named(tmp_path: Path) -> None:
    error = refused(tmp_path, toml_with(TermsOfPayment=None))
    assert [p.field for p in error.problems] == ["integration.TermsOfPayment"]
    assert "Field required" in str(error)


def test_an_unknown_member_is_named(tmp_path: Path) -> None:
    text = toml_with().replace("[integration]", "[integration]\nPasword = \"x\"", 1)
    error = refused(tmp_path, text)
    assert [p.field for p in error.problems] == ["integration.Pasword"]


def test_the_seller_cvr_must_be_8_digits(tmp_path: Path) -> None:
    assert load(tmp_path, toml_with().replace('cvr = "31415926"', 'cvr = "DK 3141 5926"')
                ).seller.cvr == "31415926"
    error = refused(tmp_path, toml_with().replace('cvr = "31415926"', 'cvr = "3141592"'))
    assert [p.field for p in error.problems] == ["seller.cvr"]


def test_a_missing_or_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")
    error = refused(tmp_path, "[integration\nUsername = 1")
    assert "not valid TOML" in str(error)


# --- environment -----------------------------------------------------------------------------

def test_the_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            ) -> None:
    monkeypatch.setenv("FAKTURA_INTEGRATION__PASSWORD", "from-the-environment")
    monkeypatch.setenv("FAKTURA_INTEGRATION__TERMSOFPAYMENT", "30")
    monkeypatch.setenv("FAKTURA_UNICONTA__GATEWAY_URL", "http://127.0.0.1:8765")
    monkeypatch.setenv("FAKTURA_SELLER__CITY", "Aarhus N")
    monkeypatch.setenv("FAKTURA_LAYOUT__LANGUAGE", "en")
    monkeypatch.setenv("FAKTURA_TENANT", "andet-firma")
    settings = load(tmp_path, toml_with())
    assert settings.integration.password.get_secret_value() == "from-the-environment"
    assert settings.integration.terms_of_payment == 30
    assert settings.uniconta.gateway_url == "http://127.0.0.1:8765"
    assert settings.seller.city == "Aarhus N"
    assert settings.seller.name == "Revisorhuset ApS"  # the rest of the table stays
    assert settings.layout.language == "en"
    assert settings.tenant == "andet-firma"
    assert settings.integration.username == "faktura"  # untouched members keep the file's value


def test_the_environment_may_spell_the_python_field_name(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKTURA_INTEGRATION__TERMS_OF_PAYMENT", "14")
    monkeypatch.setenv("FAKTURA_INTEGRATION__FI_CREDITOR_NUMBER", "85000020")
    settings = load(tmp_path, toml_with())
    assert settings.integration.terms_of_payment == 14
    assert settings.integration.fi_creditor_number == "85000020"


def test_an_invalid_environment_value_is_named(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKTURA_INTEGRATION__VATPERCENTAGE", "250")
    error = refused(tmp_path, toml_with())
    assert [p.field for p in error.problems] == ["integration.VatPercentage"]


def test_settings_from_the_environment_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "INTEGRATION__USERNAME": "u", "INTEGRATION__PASSWORD": PASSWORD,
        "INTEGRATION__TERMSOFPAYMENT": "8", "INTEGRATION__PRODUCTNUMBER": "1000",
        "INTEGRATION__PRODUCTNUMBEREXVAT": "1010", "INTEGRATION__COMPANY": "Demo ApS",
        "INTEGRATION__VATPERCENTAGE": "25", "INTEGRATION__USETIMEVIEWINVOICE": "0",
        "SELLER__NAME": "S", "SELLER__ADDRESS_LINES": '["Gade 1"]', "SELLER__POST_CODE": "8000",
        "SELLER__CITY": "Aarhus C", "SELLER__CVR": "31415926",
    }.items():
        monkeypatch.setenv(f"FAKTURA_{name}", value)
    settings = load_settings(None)
    assert settings.integration.password.get_secret_value() == PASSWORD
    assert PASSWORD not in str(settings) and PASSWORD not in repr(settings)


# --- the password ----------------------------------------------------------------------------

def test_the_password_is_never_printed(tmp_path: Path) -> None:
    settings = load(tmp_path, toml_with())
    assert settings.integration.password.get_secret_value() == PASSWORD
    for text in (str(settings), repr(settings), str(settings.integration),
                 repr(settings.integration), str(settings.integration.password),
                 repr(settings.integration.password), settings.model_dump_json(),
                 str(settings.model_dump())):
        assert PASSWORD not in text


@pytest.mark.parametrize("broken", [
    {"VatPercentage": 250},  # another member fails: the message lists problems, not values
    {"FiCreditorNumber": "123"},
    {"TermsOfPayment": None},
    {"UseTimeViewInvoice": 1, "PaymentInfo": None},
])
def test_the_password_is_not_in_a_validation_error(tmp_path: Path, broken: dict) -> None:
    refused(tmp_path, toml_with(**broken))  # `refused` asserts the password is absent


def test_a_password_of_the_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    text = toml_with().replace(f'Password = "{PASSWORD}"', "Password = 913377119")
    with pytest.raises(InvalidInput) as caught:
        load(tmp_path, text)
    assert [p.field for p in caught.value.problems] == ["integration.Password"]
    assert "913377119" not in str(caught.value)


def test_a_toml_error_on_the_password_line_does_not_show_the_password(tmp_path: Path) -> None:
    text = toml_with().replace(f'Password = "{PASSWORD}"', f'Password = "{PASSWORD}')
    error = refused(tmp_path, text)
    assert "not valid TOML" in str(error)


def test_a_password_from_the_environment_is_not_in_errors(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKTURA_INTEGRATION__PASSWORD", PASSWORD)
    monkeypatch.setenv("FAKTURA_INTEGRATION__TEAMDIMENSION", "7")
    refused(tmp_path, toml_with().replace(f'Password = "{PASSWORD}"', 'Password = "file"'))
