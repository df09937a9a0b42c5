"""``faktura uniconta-emulator``: serve the gateway emulator in the foreground, or play the
bookkeeper on its state file.

    faktura uniconta-emulator [--port N] [--state FILE] ...     serve (the default)
    faktura uniconta-emulator book ORDER [--add-line ITEM;TEXT;QTY[;PRICE]] [--date D]
                                   [--state FILE]                book a draft order
    faktura uniconta-emulator close-periods --until DATE|--open [--state FILE]
    faktura uniconta-emulator pay INVOICE [--amount X] [--url URL]   settle an invoice
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sync.emulator import fixtures
from sync.emulator.settings import EmulatorSettings, Faults

app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                  help="Serve the Uniconta emulator (default), or book a draft order in it.")
StateOption = Annotated[Path, typer.Option(
    help="SQLite state file (created and seeded when missing).")]


@app.callback()
def _serve_by_default(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8765,
    host: Annotated[str, typer.Option(help="Interface to bind (keep 127.0.0.1).")] = "127.0.0.1",
    state: StateOption = Path("var/emulator.sqlite"),
    call_limit: Annotated[
        int | None, typer.Option(help='Answer "SlowDown" after this many calls.')
    ] = None,
    latency_ms: Annotated[int, typer.Option(help="Added latency per gateway call.")] = 0,
    drop_after_commit: Annotated[
        int, typer.Option(help="Drop the connection after committing the next N postings.")
    ] = 0,
    fail_before_commit: Annotated[
        int, typer.Option(help="Answer 503 before committing the next N postings.")
    ] = 0,
    extensions: Annotated[
        bool, typer.Option(help="Serve /Companies, date= and the invoice PDF route.")
    ] = True,
    digits_only_accounts: Annotated[
        bool, typer.Option(help="Reject debtor accounts that are not all digits.")
    ] = True,
) -> None:
    """Run the Uniconta emulator (gateway contract + extensions, and the official REST API)."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from sync.emulator.app import create_app

    settings = EmulatorSettings(
        faults=Faults(
            call_limit=call_limit,
            latency_ms=latency_ms,
            drop_after_commit=drop_after_commit,
            fail_before_commit=fail_before_commit,
            extensions=extensions,
            digits_only_accounts=digits_only_accounts,
        )
    )
    typer.echo(
        f"Uniconta emulator on http://{host}:{port} (state {state}); company "
        f"{fixtures.COMPANY_ID} {fixtures.COMPANY_NAME!r}, login {fixtures.LOGIN!r}"
    )
    uvicorn.run(create_app(state, settings=settings), host=host, port=port, log_level="info")


def _context(state: Path, company: int):  # type: ignore[no-untyped-def]
    from sync.emulator.app import open_store
    from sync.emulator.rules import CompanyContext

    store = open_store(state, EmulatorSettings())
    info = store.company(company)
    if info is None:
        store.close()
        raise typer.BadParameter(f"company {company} is not in {state}", param_hint="--company")
    return CompanyContext(store, company, info, Faults())


@app.command("book")
def book_command(
    order: Annotated[int, typer.Argument(help="The draft order's OrderNumber.")],
    add_line: Annotated[list[str] | None, typer.Option(
        "--add-line", help="Add a line first: ITEM;TEXT;QTY[;PRICE] (repeatable).")] = None,
    invoice_date: Annotated[str | None, typer.Option(
        "--date", help="Invoice date YYYY-MM-DD (default: the order's, else today).")] = None,
    state: StateOption = Path("var/emulator.sqlite"),
    company: Annotated[int, typer.Option(help="Company id.")] = fixtures.COMPANY_ID,
) -> None:
    """Book a draft order as a bookkeeper would in Uniconta, then call the webhooks."""
    from sync.emulator import booking, rest_routes
    from sync.emulator.entities import REGISTRY
    from sync.emulator.errors import BadRequest, UnicontaError
    from sync.emulator.pdf import render_pdf
    from sync.emulator.wire import encode_row

    ctx = _context(state, company)
    try:
        added = [booking.AddedLine.parse(text) for text in add_line or []]
        when = date.fromisoformat(invoice_date) if invoice_date else None
        row = booking.book(ctx, order, today=date.today(), render=render_pdf, added=added,
                           invoice_date=when)
        record = rest_routes.public(encode_row(REGISTRY["debtorinvoice"], row, company))
        typer.echo(f"booked order {order} as invoice {row['InvoiceNumber']}")
        for url, outcome in booking.fire_webhooks(ctx, row, record):
            typer.echo(f"webhook {url}: {outcome}")
    except UnicontaError as error:
        typer.echo(f"error: Uniconta refused the booking: {error.code}", err=True)
        raise typer.Exit(1) from None
    except (BadRequest, ValueError) as error:
        typer.echo(f"error: {getattr(error, 'message', error)}", err=True)
        raise typer.Exit(2) from None
    finally:
        ctx.store.close()


@app.command("close-periods")
def close_periods_command(
    until: Annotated[str | None, typer.Option(help="Close every period up to this date.")] = None,
    open_all: Annotated[bool, typer.Option("--open", help="Open every period.")] = False,
    state: StateOption = Path("var/emulator.sqlite"),
    company: Annotated[int, typer.Option(help="Company id.")] = fixtures.COMPANY_ID,
) -> None:
    """Close (or open) finance periods: booking into a closed one is refused."""
    from sync.emulator import booking

    if (until is None) == (not open_all):
        raise typer.BadParameter("give --until DATE or --open")
    ctx = _context(state, company)
    try:
        booking.close_periods(ctx, date.fromisoformat(until) if until else None)
    finally:
        ctx.store.close()


@app.command("pay")
def pay_command(
    invoice: Annotated[int, typer.Argument(help="The booked invoice number")],
    amount: Annotated[str | None, typer.Option(
        help="Amount paid, in the invoice currency (default: all that is open)")] = None,
    url: Annotated[str | None, typer.Option(
        help="A running emulator (default: the settings' gateway_url, else the built-in"
        " emulator's state file)")] = None,
    settings: Annotated[Path | None, typer.Option(
        "--settings", help="Settings TOML", show_default=False)] = None,
) -> None:
    """Settle a booked invoice's open item, fully or in part (as a bank payment would)."""
    from decimal import Decimal, InvalidOperation

    try:
        paid = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        typer.echo("error: --amount must be a decimal number, e.g. 1250.00", err=True)
        raise typer.Exit(2) from None
    if url is None:
        from infra.settings_files import discover

        config = discover(settings)
        url = config.uniconta.gateway_url
        state_file = config.state_dir / "emulator.sqlite"
    if url:
        import httpx

        body = {"invoice": invoice, "amount": None if paid is None else str(paid)}
        response = httpx.post(f"{url.rstrip('/')}/_emulator/payments", json=body, timeout=30)
        answer = response.json()
        if response.status_code != 200:
            typer.echo(f"error: {answer.get('error', response.text)}", err=True)
            raise typer.Exit(1)
    else:
        from sync.emulator.payments import PaymentRefused, pay
        from sync.emulator.store import Store

        store = Store(state_file)
        try:
            answer = pay(store, fixtures.COMPANY_ID, invoice, paid)
        except PaymentRefused as refused:
            typer.echo(f"error: {refused}", err=True)
            raise typer.Exit(1) from None
        finally:
            store.close()
    settled = "settled" if answer["settled"] else f"{answer['amount_open']} still open"
    typer.echo(f"invoice {invoice}: paid {answer['paid']}, {settled}")


def main() -> None:  # pragma: no cover - convenience entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
