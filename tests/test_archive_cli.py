"""The archive commands, registered on a throwaway Typer app and run with CliRunner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from archive import LocalArchive, NewArchiveItem
from cli.archive import archive_get, archive_list, archive_verify

PDF = b"%PDF-1.7\n\x00\x01\xff issued bytes\n%%EOF\n"


def make_item(number: str, customer_name: str = "Jensen & Søn ApS", **kw: object) -> NewArchiveItem:
    fields: dict[str, object] = {
        "tenant": "default",
        "invoice_number": number,
        "document_type": "invoice",
        "issue_date": date(2024, 3, 1),
        "customer_number": "C100",
        "customer_name": customer_name,
        "currency_code": "DKK",
        "total_amount": Decimal("1250.50"),
        "layout": "clienttime",
        "pdf": PDF + number.encode(),
        "invoice_json": f'{{"number": "{number}"}}',
    }
    fields.update(kw)
    return NewArchiveItem(**fields)


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("get")(archive_get)
    app.command("list")(archive_list)
    app.command("verify")(archive_verify)
    return app


@pytest.fixture
def archive_dir(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "archive"
    with LocalArchive(root) as archive:
        archive.put(make_item("10001"))
        archive.put(make_item("10002", customer_name="Ærø Æbler A/S", customer_number="C200"))
    yield root


def at(archive_dir: Path) -> tuple[str | Path, ...]:
    """Tenant and archive folder given outright (no settings file needed)."""
    return ("--archive-dir", archive_dir, "--tenant", "default")


def run(app: typer.Typer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_get_writes_the_exact_pdf(app: typer.Typer, archive_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"

    result = run(app, "get", "10001", "--out", out, *at(archive_dir))

    assert result.exit_code == 0, result.output
    assert out.read_bytes() == PDF + b"10001"


def test_get_refuses_to_overwrite_without_force(
    app: typer.Typer, archive_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.pdf"
    out.write_bytes(b"keep me")

    refused = run(app, "get", "10001", "--out", out, *at(archive_dir))

    assert_one_line_error(refused, "already exists", "--force")
    assert out.read_bytes() == b"keep me"

    forced = run(app, "get", "10001", "--out", out, *at(archive_dir), "--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes() == PDF + b"10001"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["404"], "not archived"),
        (["../x"], "invoice_number"),
        (["10001", "--tenant", "other"], "not archived"),
        (["10001", "--tenant", "../t"], "tenant"),
    ],
)
def test_get_errors_are_one_line(
    app: typer.Typer, archive_dir: Path, tmp_path: Path, args: list[str], fragment: str
) -> None:
    out = tmp_path / "out.pdf"

    # --tenant given twice: the last one counts
    result = run(app, "get", "--tenant", "default", *args, "--out", out,
                 "--archive-dir", archive_dir)

    assert_one_line_error(result, fragment)
    assert not out.exists()


def test_get_without_an_archive_is_one_line(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, "get", "1", "--out", tmp_path / "o.pdf", "--archive-dir", tmp_path / "no",
                 "--tenant", "default")

    assert_one_line_error(result, "no archive")
    assert not (tmp_path / "no").exists()


def test_get_refuses_an_altered_pdf(app: typer.Typer, archive_dir: Path, tmp_path: Path) -> None:
    pdf = archive_dir / "default/2024/10001.pdf"
    os.chmod(pdf, 0o644)
    pdf.write_bytes(PDF + b"tampered")

    result = run(app, "get", "10001", "--out", tmp_path / "o.pdf", *at(archive_dir))

    assert_one_line_error(result, "altered")
    assert not (tmp_path / "o.pdf").exists()


def test_verify_clean_archive_exits_0(app: typer.Typer, archive_dir: Path) -> None:
    result = run(app, "verify", *at(archive_dir))

    assert result.exit_code == 0, result.output
    assert "Verified 2 archived invoices" in result.stdout


def test_verify_exits_1_on_a_modified_pdf(app: typer.Typer, archive_dir: Path) -> None:
    pdf = archive_dir / "default/2024/10002.pdf"
    os.chmod(pdf, 0o644)
    data = bytearray(pdf.read_bytes())
    data[10] ^= 0xFF
    pdf.write_bytes(bytes(data))

    result = run(app, "verify", *at(archive_dir))

    assert result.exit_code == 1
    assert "10002" in result.stdout and "ALTERED" in result.stdout
    assert "0 missing and 1 altered" in result.stdout
    assert "Traceback" not in result.output


def test_verify_exits_1_on_a_deleted_file(app: typer.Typer, archive_dir: Path) -> None:
    (archive_dir / "default/2024/10001.json").unlink()

    result = run(app, "verify", *at(archive_dir))

    assert result.exit_code == 1
    assert "MISSING" in result.stdout and "10001" in result.stdout


def test_verify_without_an_archive_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, "verify", "--archive-dir", tmp_path / "nowhere")

    assert result.exit_code == 2
    assert_one_line_error(result, "no archive")


def test_list_prints_a_table(app: typer.Typer, archive_dir: Path) -> None:
    result = run(app, "list", *at(archive_dir))

    assert result.exit_code == 0, result.output
    assert "10001" in result.stdout and "10002" in result.stdout
    assert "DKK 1.250,50" in result.stdout  # Danish number format


def test_list_filters(app: typer.Typer, archive_dir: Path) -> None:
    by_name = run(app, "list", *at(archive_dir), "-q", "ærø")
    where = at(archive_dir)
    by_customer = run(app, "list", *where, "--customer", "C100")
    by_date = run(app, "list", *where, "--date-from", "2025-01-01")

    assert "10002" in by_name.stdout and "10001" not in by_name.stdout
    assert "10001" in by_customer.stdout and "10002" not in by_customer.stdout
    assert by_date.exit_code == 0 and "No archived invoices match" in by_date.stdout


def test_list_bad_tenant_is_one_line(app: typer.Typer, archive_dir: Path) -> None:
    result = run(app, "list", "--archive-dir", archive_dir, "--tenant", "a/b")

    assert_one_line_error(result, "tenant")


def test_corrupt_index_is_one_line(app: typer.Typer, archive_dir: Path) -> None:
    for path in archive_dir.glob("index.sqlite*"):
        path.unlink()
    (archive_dir / "index.sqlite").write_bytes(b"not a database" * 100)

    result = run(app, "verify", *at(archive_dir))

    assert result.exit_code == 2
    assert_one_line_error(result, "not a database")
