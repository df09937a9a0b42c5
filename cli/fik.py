"""``faktura fik``: print the FI code line for an invoice, or check a code line.

The CLI root registers it with ``app.command("fik")(fik_command)``. Exit codes:

* 0 — the code line was printed, or ``--check`` found the line valid;
* 1 — ``--check`` found the line invalid (the reason goes to stderr);
* 2 — bad input: invoice number, creditor number, card type or option combination.

Messages are one line on stderr naming the field (``error: payment ID '12a4': ...``);
creditor soft-rule doubts are printed as ``warning: ...`` and do not change the exit code.
"""

from __future__ import annotations

from typing import Annotated

import typer

from faktura.fik import FikError, cards, codeline

__all__ = ["fik_command"]

DEFAULT_CARD_TYPE = "71"
EXIT_INVALID = 1
EXIT_USAGE = 2


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _warn(messages: list[str]) -> None:
    for message in messages:
        typer.echo(f"warning: {message}", err=True)


def _check(line: str) -> None:
    try:
        parsed = codeline.parse(line)
    except FikError as exc:
        raise _fail(f"invalid: {exc}", EXIT_INVALID) from None
    card = cards.get(parsed.card_type)
    creditor_label = "giro account" if parsed.card_type == "01" else "creditor number"
    typer.echo("valid")
    typer.echo(f"card type: {parsed.card_type}")
    typer.echo(f"payment ID: {parsed.payment_id or '(none)'}")
    typer.echo(f"{creditor_label}: {parsed.creditor}")
    typer.echo(f"code line: {parsed}")
    _warn(card.creditor_warnings(parsed.creditor))


def fik_command(
    invoice_number: Annotated[
        str | None,
        typer.Argument(
            metavar="INVOICE_NO",
            help="Numeric invoice number from the ledger (not for types 73 and 01).",
            show_default=False,
        ),
    ] = None,
    card_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            "-t",
            help="Card type: 71 (default), 75, 73, 01, 04 or 15.",
            show_default=False,
        ),
    ] = None,
    creditor: Annotated[
        str | None,
        typer.Option(
            "--creditor",
            "-c",
            help="8-digit FI creditor number (for type 01: the 7-digit giro account).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        str | None,
        typer.Option(
            "--check",
            metavar="LINE",
            help="Check a code line such as '+71<000000000000018+12345678<' instead.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the FI payment code line for an invoice, or check one with --check."""
    if check is not None:
        if invoice_number is not None or card_type is not None or creditor is not None:
            raise _fail(
                "error: --check takes only the code line; leave out INVOICE_NO, --type and"
                " --creditor",
                EXIT_USAGE,
            )
        _check(check)
        return
    if creditor is None:
        raise _fail("error: creditor number: missing; pass --creditor", EXIT_USAGE)
    try:
        card = cards.get(card_type if card_type is not None else DEFAULT_CARD_TYPE)
        line = card.code_line(creditor, invoice_number)
        warnings = card.creditor_warnings(creditor)
    except FikError as exc:
        raise _fail(f"error: {exc}", EXIT_USAGE) from None
    _warn(warnings)
    typer.echo(line)
