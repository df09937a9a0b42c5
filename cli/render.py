"""`faktura render`: one invoice JSON → a draft PDF (and HTML for inspection).

What it writes is never an issued invoice: without a number it is a draft (KLADDE); with
`--invoice-number N --proof` it is a proof of how number N would look, still watermarked
KLADDE and without an FI payment line (only Uniconta assigns numbers, and only an issued
invoice may carry a payable FI line: issue with `faktura batch` or `faktura sync`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infra.atomic import write_bytes_atomically
from faktura.errors import InvalidInput, Problem
from infra.invoice_file import load_invoice
from infra.settings_files import SETTINGS_HELP, discover


def render_command(
    invoice: Annotated[Path, typer.Argument(help="Invoice JSON (our shape or TimeLog's)")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the PDF")],
    settings: Annotated[Path | None, typer.Option(
        help=SETTINGS_HELP, show_default=False)] = None,
    invoice_number: Annotated[str | None, typer.Option(
        help="Show this number on a proof (needs --proof)", show_default=False)] = None,
    proof: Annotated[bool, typer.Option(
        "--proof", help="With --invoice-number: a watermarked proof, not an invoice")] = False,
    html: Annotated[bool, typer.Option("--html", help="Also write the HTML")] = False,
) -> None:
    """Render one invoice as a draft (KLADDE); nothing is posted, numbered or archived."""
    if invoice.is_dir():
        raise InvalidInput(str(invoice), [Problem("", (
            "is a folder: render takes one invoice file (`faktura batch FOLDER` issues a"
            " folder of invoices)"))])
    if invoice_number is not None and not proof:
        raise InvalidInput("--invoice-number", [Problem("", (
            "only Uniconta assigns invoice numbers: add --proof for a watermarked proof, or"
            " issue the invoice with `faktura batch` or `faktura sync`"))])
    parsed = load_invoice(invoice)
    if invoice_number is not None:
        parsed = parsed.with_number(invoice_number)
    config = discover(settings)
    from renderer.render import Renderer

    renderer = Renderer()
    view, pdf = renderer.render(parsed, config, draft=True)
    title = view.title.lower().replace(" ", "-")
    name = (f"proof-{title}-{parsed.invoice_number}" if parsed.invoice_number
            else f"{title}-kladde-{invoice.stem}")
    if out.exists() and not out.is_dir():
        raise InvalidInput("--out", [Problem("", f"cannot write to {out} (it is a file, not a"
                                             " folder)")])
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
