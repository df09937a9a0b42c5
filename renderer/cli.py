"""`faktura render`: one invoice JSON → its PDF (and HTML for inspection)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from faktura.atomic import write_bytes_atomically
from faktura.errors import InvalidInput, Problem
from faktura.model import load_invoice
from faktura.settings import load_settings
from renderer.render import Renderer

DEFAULT_SETTINGS = Path("samples/settings.toml")


def render_command(
    invoice: Annotated[Path, typer.Argument(help="Invoice JSON (our shape or TimeLog's)")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the PDF")],
    settings: Annotated[Path, typer.Option(help="Settings TOML")] = DEFAULT_SETTINGS,
    invoice_number: Annotated[
        str | None, typer.Option(help="The number the ledger assigned (else a draft)")
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Also write the HTML")] = False,
) -> None:
    """Render one invoice in the ClientTime layout. Without a number it is a draft (KLADDE)."""
    parsed = load_invoice(invoice)
    if invoice_number is not None:
        parsed = parsed.with_number(invoice_number)
    config = load_settings(settings)
    renderer = Renderer()
    view, pdf = renderer.render(parsed, config)
    number = parsed.invoice_number or f"kladde-{invoice.stem}"
    name = f"{view.title.lower().replace(' ', '-')}-{number}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(out / f"{name}.pdf", pdf)
        if html:
            write_bytes_atomically(out / f"{name}.html",
                                   renderer.html(view, standalone=True).encode("utf-8"))
    except OSError as error:
        raise InvalidInput("--out", [Problem("", f"cannot write to {out} ({error.strerror})")]
                           ) from None
    typer.echo(out / f"{name}.pdf")
    if view.fi_slip:
        typer.echo(view.fi_slip.code_line)
