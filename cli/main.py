"""The `faktura` command line.

Each concern keeps its commands next to its code; this module only wires them together and
turns expected errors (bad input, a refused operation) into one clear line on stderr and a
non-zero exit — never a traceback.
"""

from __future__ import annotations

import sys

import typer

from faktura.errors import FakturaError

app = typer.Typer(
    name="faktura",
    help="Danish invoices: render, FIK payment lines, exactly-once posting to Uniconta.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
archive_app = typer.Typer(help="The archive of issued invoices.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)


def _register() -> None:
    from api.cli import apikey_create_command, serve_command
    from archive.cli import archive_get, archive_list, archive_migrate, archive_verify
    from cli.balance import balance_command
    from cli.batch import batch_command
    from cli.db import app as db_app
    from cli.fik import fik_command
    from cli.sync import app as sync_app
    from cli.worker import worker_command
    from renderer.cli import render_command
    from sync.emulator.cli import emulator_command
    from sync.timelog.cli import import_app

    app.command("fik")(fik_command)
    app.command("render")(render_command)
    app.command("batch")(batch_command)
    app.command("serve")(serve_command)
    apikey_app.command("create")(apikey_create_command)
    app.add_typer(apikey_app, name="apikey")
    archive_app.command("get")(archive_get)
    archive_app.command("list")(archive_list)
    archive_app.command("verify")(archive_verify)
    archive_app.command("migrate")(archive_migrate)
    app.add_typer(archive_app, name="archive")
    app.add_typer(sync_app, name="sync")
    app.command("uniconta-emulator")(emulator_command)
    app.add_typer(import_app, name="import")
    app.command("balance")(balance_command)
    app.add_typer(db_app, name="db")
    app.command("worker")(worker_command)


_register()


def main() -> None:
    try:
        app()
    except FakturaError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
    except ValueError as error:  # e.g. the FIK package's errors: rooted in ValueError
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
