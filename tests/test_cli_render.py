"""`faktura render` from the command line: good input gives a PDF, bad input one clear line.

Most cases run `cli.main.main` in-process (the real entry point: it turns a FakturaError or
ValueError into `error: …` and exit status 2); two run the installed module as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest

from cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SETTINGS = SAMPLES / "settings.toml"
SECRET = "Zq-7731-NEVER-ECHO"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("FAKTURA_"):
            monkeypatch.delenv(name)


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str | Path) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["faktura", "render", *map(str, args)])
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def invoice_file(tmp_path: Path, **fields: Any) -> Path:
    data: dict[str, Any] = {
        "source_id": "T-1", "issue_date": "2026-11-02",
        "customer": {"customer_number": "1", "name": "Kunde ApS"},
        "lines": [{"text": "Rådgivning", "quantity": "2", "unit_price": "950"}],
    }
    data.update(fields)
    path = tmp_path / "invoice.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def settings_file(tmp_path: Path, old: str, new: str) -> Path:
    text = SETTINGS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "settings.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((SAMPLES / "logo.png").read_bytes())
    return path


def assert_clean_failure(code: int, out: str, err: str, out_dir: Path, *names: str) -> None:
    assert code == 2, (code, err)
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err  # one line
    assert "Traceback" not in err and "Traceback" not in out
    assert "pydantic" not in err and "input_value" not in err
    for name in names:
        assert name in err, (name, err)
    assert SECRET not in err
    leftovers = sorted(p.name for p in out_dir.iterdir()) if out_dir.exists() else []
    assert leftovers == [], leftovers  # no PDF, no half-written .part file


# --- success ---------------------------------------------------------------------------------

def test_a_number_makes_a_watermarked_proof_without_a_payment_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings",
                         SETTINGS, "--invoice-number", "20260001", "--proof", "--out", out_dir,
                         "--html")
    assert (code, err) == (0, "")
    assert out.splitlines() == [str(out_dir / "proof-faktura-20260001.pdf")]
    assert sorted(p.name for p in out_dir.iterdir()) == ["proof-faktura-20260001.html",
                                                        "proof-faktura-20260001.pdf"]
    text = pypdf.PdfReader(out_dir / "proof-faktura-20260001.pdf").pages[0].extract_text()
    assert "Faktura 20260001" in text and "KLADDE" in text
    assert "+71<" not in text  # no payable FI line for a number Uniconta never assigned
    html = (out_dir / "proof-faktura-20260001.html").read_text(encoding="utf-8")
    assert "invoice.css" in html  # standalone: the stylesheet is linked


def test_a_number_without_proof_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings", SETTINGS,
                 "--invoice-number", "777", "--out", out_dir)
    assert_clean_failure(*result, out_dir, "--invoice-number", "--proof")


def test_a_folder_instead_of_an_invoice_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "r"
    result = run(monkeypatch, capsys, SAMPLES, "--settings", SETTINGS, "--out", out_dir)
    assert_clean_failure(*result, out_dir, "is a folder", "faktura batch")


def test_the_pdf_is_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    old = os.umask(0o022)
    try:
        code, out, _ = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings",
                           SETTINGS, "--out", out_dir)
    finally:
        os.umask(old)
    assert code == 0
    mode = Path(out.strip()).stat().st_mode & 0o777
    assert mode & 0o044 == 0o044, oct(mode)  # a print server or a colleague can read it


def test_without_a_number_the_cli_writes_a_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = run(monkeypatch, capsys, SAMPLES / "05-credit-note.json", "--settings",
                       SETTINGS, "--out", out_dir)
    assert code == 0
    assert out.splitlines() == [str(out_dir / "kreditnota-kladde-05-credit-note.pdf")]
    reader = pypdf.PdfReader(out_dir / "kreditnota-kladde-05-credit-note.pdf")
    assert "KLADDE" in reader.pages[0].extract_text()


# --- bad input -------------------------------------------------------------------------------

def test_malformed_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"source_id": "' + SECRET + '", "lines": [', encoding="utf-8")
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, path, "--settings", SETTINGS, "--out", out_dir)
    assert_clean_failure(*result, out_dir, "broken.json", "not valid JSON")


@pytest.mark.parametrize(("fields", "named"), [
    ({"lines": [{"text": "x", "quantity": SECRET, "unit_price": "1"}]}, "lines[0].quantity"),
    ({"lines": [{"text": "x", "quantity": "1", "unit_price": [SECRET]}]}, "lines[0].unit_price"),
    ({"issue_date": 20261102}, "issue_date"),
    ({"customer": {"customer_number": "1", "name": "A", "ean": SECRET}}, "customer.ean"),
    ({"type_code": 381}, "preceding_invoice_reference"),
    ({"currency_code": "EUR"}, "exchange_rate"),
])
def test_a_field_of_the_wrong_type_or_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    fields: dict, named: str,
) -> None:
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, invoice_file(tmp_path, **fields), "--settings", SETTINGS,
                 "--out", out_dir)
    assert_clean_failure(*result, out_dir, "invoice.json", named)


def test_a_missing_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    path = invoice_file(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["customer"]["name"]
    path.write_text(json.dumps(data), encoding="utf-8")
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, path, "--settings", SETTINGS, "--out", out_dir)
    assert_clean_failure(*result, out_dir, "customer.name: Field required")


def test_a_missing_invoice_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, tmp_path / "nope.json", "--settings", SETTINGS,
                 "--out", out_dir)
    assert_clean_failure(*result, out_dir, "nope.json", "file not found")


def test_a_timelog_export_with_bad_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tl.json"
    path.write_text(json.dumps({"InvoiceID": "T", "InvoiceDate": "2026-10-31",
                                "CustomerKey": "1", "Customer": {"Name": "A"}, "Lines": 5}),
                    encoding="utf-8")
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, path, "--settings", SETTINGS, "--out", out_dir)
    assert_clean_failure(*result, out_dir, "lines: Input should be a valid list")


@pytest.mark.parametrize("number", [SECRET, "12a", "0", "123456789012345"])
def test_an_unusable_invoice_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str], number: str) -> None:
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings", SETTINGS,
                 "--invoice-number", number, "--proof", "--out", out_dir)
    assert_clean_failure(*result, out_dir, "invoice_number")


@pytest.mark.parametrize(("old", "new", "named"), [
    ("VatPercentage = 25", "VatPercentage = 250", "integration.VatPercentage"),
    ('FiCreditorNumber = "85000012"', 'FiCreditorNumber = "850"', "integration.FiCreditorNumber"),
    ("TermsOfPayment = 8", 'TermsOfPayment = "otte"', "integration.TermsOfPayment"),
    ("DivisionDimension = 0", "DivisionDimension = 1", "TeamDimension, DepartmentDimension"),
    ('cvr = "31415926"', 'cvr = "1"', "seller.cvr"),
    ("[seller]", "[seller\n", "not valid TOML"),
    ('logo = "logo.png"', 'logo = "settings.toml"', "seller.logo"),
    ('logo = "logo.png"', 'logo = "missing.png"', "seller.logo: cannot read missing.png"),
])
def test_a_bad_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str], old: str, new: str,
                             named: str) -> None:
    settings = settings_file(tmp_path, old, new)
    text = settings.read_text(encoding="utf-8").replace('"demo-secret"', f'"{SECRET}"')
    settings.write_text(text, encoding="utf-8")
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings", settings,
                 "--invoice-number", "1", "--proof", "--out", out_dir)
    assert_clean_failure(*result, out_dir, "error: ", named)


def test_a_missing_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "out"
    result = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings",
                 tmp_path / "none.toml", "--out", out_dir)
    assert_clean_failure(*result, out_dir, "none.toml: settings file not found")


# --- the output folder -----------------------------------------------------------------------

def test_an_out_path_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, SAMPLES / "01-one-line.json", "--settings",
                         SETTINGS, "--out", blocker)
    assert code == 2 and err.startswith("error: --out: cannot write to") and "Traceback" not in err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_failed_write_leaves_no_half_written_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    args = (SAMPLES / "01-one-line.json", "--settings", SETTINGS, "--invoice-number", "7",
            "--proof", "--out", out_dir)
    assert run(monkeypatch, capsys, *args)[0] == 0
    before = (out_dir / "proof-faktura-7.pdf").read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    code, _, err = run(monkeypatch, capsys, *args)
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["proof-faktura-7.pdf"]  # no .part
    assert (out_dir / "proof-faktura-7.pdf").read_bytes() == before


# --- the installed entry point ---------------------------------------------------------------

def test_the_real_command_fails_without_a_traceback(tmp_path: Path) -> None:
    path = invoice_file(tmp_path, lines=[{"text": "x", "quantity": SECRET, "unit_price": "1"}])
    out_dir = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FAKTURA_")}
    done = subprocess.run([sys.executable, "-m", "cli.main", "render", str(path),
                           "--settings", str(SETTINGS), "--out", str(out_dir)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert_clean_failure(done.returncode, done.stdout, done.stderr, out_dir,
                         "lines[0].quantity")


def test_the_real_command_renders_a_timelog_export(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FAKTURA_")}
    done = subprocess.run([sys.executable, "-m", "cli.main", "render",
                           str(SAMPLES / "02-consulting-month.timelog.json"), "--settings",
                           str(SETTINGS), "--out", str(out_dir)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out_dir.iterdir()] == ["faktura-kladde-02-consulting-month.timelog.pdf"]
