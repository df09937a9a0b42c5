"""``faktura uniconta-emulator``: serve the gateway emulator in the foreground;
``faktura uniconta-emulator pay INVOICE [--amount X]``: settle a booked invoice (fully or in
part) in a running emulator, or in the built-in one's state file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import inspect
from typing import Any

import typer

from sync.emulator import fixtures
from sync.emulator.settings import EmulatorSettings, Faults


def emulator_command(
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8765,
    host: Annotated[str, typer.Option(help="Interface to bind (keep 127.0.0.1).")] = "127.0.0.1",
    state: Annotated[
        Path, typer.Option(help="SQLite state file (created and seeded when missing).")
    ] = Path("var/emulator.sqlite"),
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
    """Run the Uniconta gateway emulator (rmja/unicontarest contract + extensions)."""
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


emulator_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                           help="Serve the Uniconta gateway emulator; settle its invoices.")


def _serve_unless_a_command(ctx: typer.Context, **options: Any) -> None:
    """`faktura uniconta-emulator [OPTIONS]` serves; `… pay …` does not."""
    if ctx.invoked_subcommand is None:
        emulator_command(**options)


_CONTEXT = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                             annotation=typer.Context)
_serve_unless_a_command.__signature__ = inspect.signature(  # type: ignore[attr-defined]
    emulator_command).replace(parameters=[
        _CONTEXT, *inspect.signature(emulator_command).parameters.values()])
_serve_unless_a_command.__annotations__ = {"ctx": typer.Context,
                                           **emulator_command.__annotations__}
emulator_app.callback(invoke_without_command=True)(_serve_unless_a_command)


@emulator_app.command("pay")
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
    typer.run(emulator_command)


if __name__ == "__main__":  # pragma: no cover
    main()
