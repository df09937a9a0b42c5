"""The FI card types the layout prints (71, 73, 75), and the giro types it refuses."""

from __future__ import annotations

import pytest
from test_render import CREDITOR, MACHINE_ZONE_MM, SAMPLES, SLIP_MM, read_back, squash

from faktura import fik
from faktura.errors import InvalidInput
from infra.invoice_file import load_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from renderer.render import Renderer


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SAMPLES / "settings.toml")


def with_card(settings: Settings, card_type: str) -> Settings:
    return settings.model_copy(update={"layout": settings.layout.model_copy(
        update={"fi_card_type": card_type})})


@pytest.mark.parametrize(("card_type", "payment_id", "message"), [
    ("71", "000000202600011", False),
    ("73", None, True),
    ("75", "0000000202600011", True),
])
def test_the_slip_has_the_fields_of_its_card_type(settings: Settings, card_type: str,
                                                  payment_id: str | None,
                                                  message: bool) -> None:
    invoice = load_invoice(SAMPLES / "01-one-line.json").with_number("20260001")
    doc = read_back(*Renderer().render(invoice, with_card(settings, card_type)))
    slip = [run for run in doc.runs[-1] if run.y < SLIP_MM]
    texts = [run.text for run in slip]
    expected_line = fik.code_line(card_type, CREDITOR, "20260001" if payment_id else None)
    assert [r.text for r in slip if r.y < MACHINE_ZONE_MM] == [expected_line]
    assert f"+{card_type}<" in texts
    slip_text = squash(" ".join(texts))
    if payment_id:
        assert payment_id in texts and "BETALINGS-ID" in slip_text.upper()
    else:
        assert "BETALINGS-ID" not in slip_text.upper()
        assert not any(t.isdigit() and len(t) >= 15 for t in texts)
    if message:
        assert "MEDDELELSE TIL BETALINGSMODTAGER" in slip_text.upper()
        assert "Fakturanr. 20260001" in slip_text
    else:
        assert "MEDDELELSE" not in slip_text.upper()


def test_card_type_73_is_accepted_by_the_settings(settings: Settings, tmp_path) -> None:
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(text.replace('fi_card_type = "71"', 'fi_card_type = "73"'), encoding="utf-8")
    assert load_settings(path).layout.fi_card_type == "73"


@pytest.mark.parametrize("card_type", ["01", "04", "15"])
def test_giro_card_types_are_refused_with_a_clear_message(tmp_path, card_type: str) -> None:
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(text.replace('fi_card_type = "71"', f'fi_card_type = "{card_type}"'),
                    encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_settings(path)
    problem = caught.value.problems[0]
    assert problem.field == "layout.fi_card_type"
    assert f"card type {card_type} is a giro card" in problem.message
    assert "71, 73, 75" in problem.message
