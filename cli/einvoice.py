"""`faktura einvoice`: one invoice JSON → its e-invoice (OIOUBL 2.1, Peppol BIS 3, or a
format a plug-in adds: the choices are the registry's, `einvoice.formats`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from einvoice import formats
from einvoice.export import build
from infra.atomic import write_bytes_atomically
from faktura.computed import compute
from faktura.errors import InvalidInput, Problem
from infra.invoice_file import load_invoice
from infra.settings_files import SETTINGS_HELP, discover


def known_format(name: str) -> str:
    """The --format value, if a format of that name is on offer (plug-ins included)."""
    if name not in formats.names():
        raise typer.BadParameter(f"use one of: {', '.join(formats.names())}")
    return name


def einvoice_command(
    invoice: Annotated[Path, typer.Argument(help="Invoice JSON (our shape or TimeLog's)")],
    format: Annotated[str, typer.Option(
        "--format", callback=known_format,
        help="The e-invoice format: oioubl, peppol, or one a plug-in adds")],
    out: Annotated[Path, typer.Option("--out", help="Folder for <number>.xml")],
    settings: Annotated[Path | None, typer.Option(help=SETTINGS_HELP)] = None,
    invoice_number: Annotated[
        str | None, typer.Option(help="The number the ledger assigned (else the file's own)")
    ] = None,
) -> None:
    """Write the e-invoice of one issued invoice; an invoice the rules refuse writes nothing."""
    parsed = load_invoice(invoice)
    config = discover(settings)
    computed = compute(parsed, config)
    if invoice_number is not None:
        computed = computed.numbered(invoice_number, config)
    if computed.invoice_number is None:
        raise InvalidInput(str(invoice), [Problem(
            "invoice_number", "an e-invoice needs the number the ledger assigned"
                              " (give --invoice-number)")])
    document = build(computed, config, format)
    target = out / document.filename
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(target, document.xml)
    except OSError as error:
        raise InvalidInput("--out", [Problem("", f"cannot write to {out} ({error.strerror})")]
                           ) from None
    typer.echo(target)
