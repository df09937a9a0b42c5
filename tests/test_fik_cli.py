"""`faktura fik`, exercised through a throwaway Typer app (the CLI root wires the real one)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from cli.fik import fik_command

CREDITOR = "12345678"


@pytest.fixture
def run():
    app = typer.Typer()
    app.command("fik")(fik_command)

    @app.callback()
    def _root() -> None:  # keep "fik" a subcommand, as in the real app
        pass

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["fik", *args])

    return invoke


def assert_one_line_error(result, code: int, field: str) -> None:
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_prints_type71_code_line(run):
    result = run("--creditor", CREDITOR, "404040000066")
    assert result.exit_code == 0
    assert result.stdout == "+71<004040400000669+12345678<\n"


def test_placeholder_creditor_warns_on_stderr(run):
    result = run("--creditor", CREDITOR, "1")
    assert result.exit_code == 0
    assert result.stdout == "+71<000000000000018+12345678<\n"
    warnings = result.stderr.splitlines()
    assert warnings and all(w.startswith("warning: creditor number") for w in warnings)


def test_no_warning_for_plausible_creditor(run):
    result = run("--type", "75", "--creditor", "80000006", "1")
    assert result.exit_code == 0
    assert result.stdout == "+75<0000000000000018+80000006<\n"
    assert result.stderr == ""


def test_type73_needs_no_invoice_number(run):
    result = run("-t", "73", "-c", "80000006")
    assert result.exit_code == 0
    assert result.stdout == "+73<+80000006<\n"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["-c", CREDITOR, "12a4"], "payment ID '12a4': only digits 0-9 are allowed"),
        (["-c", CREDITOR, "0"], "payment ID"),
        (["-c", CREDITOR, "123456789012345"], "payment ID"),
        (["-c", CREDITOR], "needs an invoice number"),
        (["-c", "1234567", "1"], "creditor number"),
        (["-c", "1234567x", "1"], "creditor number"),
        (["1"], "creditor number"),
        (["-t", "99", "-c", CREDITOR, "1"], "card type"),
        (["-t", "seventy-one", "-c", CREDITOR, "1"], "card type"),
        (["-t", "73", "-c", CREDITOR, "5"], "carries no payment ID"),
        (["-t", "01", "-c", CREDITOR], "giro account"),
    ],
)
def test_bad_input_exits_2_with_one_line(run, args, field):
    assert_one_line_error(run(*args), 2, field)


def test_check_valid_line(run):
    result = run("--check", "+71< 004040400000669 +80000006<")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "valid",
        "card type: 71",
        "payment ID: 004040400000669",
        "creditor number: 80000006",
        "code line: +71<004040400000669+80000006<",
    ]
    assert result.stderr == ""


def test_check_valid_line_with_placeholder_creditor_still_valid(run):
    result = run("--check", "+73<+12345678<")
    assert result.exit_code == 0
    assert result.stdout.startswith("valid\n")
    assert "payment ID: (none)" in result.stdout
    assert result.stderr.startswith("warning:")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("+71<004040400000668+12345678<", "check digit should be 9"),
        ("+71<04040400000669+12345678<", "exactly 15 digits"),
        ("+99<+12345678<", "card type '99'"),
        ("+71<004040400000669+1234567<", "creditor number"),
        ("71<004040400000669+12345678", "code line"),
    ],
)
def test_check_invalid_line_exits_1_with_reason(run, line, reason):
    result = run("--check", line)
    assert_one_line_error(result, 1, reason)
    assert result.stderr.startswith("invalid: ")


def test_check_refuses_extra_arguments(run):
    assert_one_line_error(run("--check", "+73<+12345678<", "--creditor", CREDITOR), 2, "--check")
