"""``faktura uniconta-emulator``: serve the gateway emulator in the foreground."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


def main() -> None:  # pragma: no cover - convenience entry point
    typer.run(emulator_command)


if __name__ == "__main__":  # pragma: no cover
    main()
