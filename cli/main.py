"""The `faktura` command line.

Every command is a module of this package; this module only registers them (the table
`COMMANDS`, which `tests/test_house.py` reads as this module's imports) and turns expected errors (bad input, a refused operation) into one clear line on stderr and a
non-zero exit — never a traceback.

Commands are loaded when they run: `faktura --help` or `faktura fik …` import no renderer and
no web framework, so they answer at once (and work on a machine without Pango).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from cli.help import plain_help_option, readable
from cli.language import refusal
from faktura.errors import FakturaError

# name → (module:attribute, one-line help shown by `faktura --help`), in the order listed.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("cli.init:init_command",
             "Write a starter settings file and a sample invoice into a folder."),
    "render": ("cli.render:render_command",
               "Render one invoice as a draft PDF (KLADDE), or as a proof of a number."),
    "einvoice": ("cli.einvoice:einvoice_command",
                 "Write an invoice as an e-invoice (OIOUBL 2.1, Peppol BIS 3, a plug-in's)."),
    "batch": ("cli.batch:batch_command",
              "Issue many invoices: post to Uniconta once, render in parallel, archive."),
    "sync": ("cli.sync:app", "Post invoices to Uniconta exactly once; sync customers; status."),
    "archive": ("cli.archive:archive_app", "The archive of issued invoices: list, get, verify."),
    "send": ("cli.send:send_command",
             "E-mail issued invoices to their customers, at most once each (outbox)."),
    "status": ("cli.status:status_command",
               "Payment status of issued invoices from Uniconta's open items."),
    "serve": ("cli.serve:serve_command",
              "Serve the bookkeepers' pages and the HTTP API until interrupted."),
    "apikey": ("cli.serve:apikey_app", "API keys for the pages and the HTTP API."),
    "fik": ("cli.fik:fik_command", "Compute or check an FI payment line (FIK)."),
    "follow": ("cli.follow:follow_command",
               "Issue the invoices booked in Uniconta (poll; list or retry those needing"
               " attention; register the webhook)."),
    "doctor": ("cli.doctor:doctor_command",
               "Check the setup against the integration guides in the live Uniconta."),
    "balance": ("cli.balance:balance_command",
                "Compare invoices issued here with those booked in Uniconta."),
    "import": ("cli.timelog:import_app",
               "Import from Uniconta: items, expenses, customers (TimeLog shape)."),
    "worker": ("cli.worker:worker_command",
               "Run a Celery worker: render and post batch invoices from the broker."),
    "beat": ("cli.beat:beat_command",
             "Send the Celery workers the poll for bookings and the payment statuses on time."),
    "db": ("cli.db:app", "Database schema migrations (Alembic): upgrade, current; move-ledger."),
    "uniconta-emulator": ("cli.emulator:app",
                          "Serve the Uniconta emulator; `book ORDER` books a draft in it;"
                          " `pay INVOICE` settles an invoice."),
}


def load(name: str) -> Any:
    """The click command `name`, importing its module now."""
    module, attribute = COMMANDS[name][0].split(":")
    target: Any = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return readable(command)


class LazyGroup(TyperGroup):
    """A group whose commands are imported only when one of them runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_help_option(self)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        # Listing the commands (`faktura --help`): a stand-in with the one-line help is
        # enough; `resolve_command` loads the real one when it is run.
        return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in COMMANDS and args[0] not in self.commands:
            self.commands[args[0]] = load(args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="faktura",
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Danish invoices: render, FIK payment lines, exactly-once posting to Uniconta.

    Settings are found in this order: --settings, $FAKTURA_SETTINGS, ./faktura.toml, then
    faktura.toml in your config folder.

    `faktura init FOLDER` writes a starter settings file and a sample invoice.
    """


def main() -> None:
    try:
        app()
    except (FakturaError, ValueError) as error:  # ValueError: e.g. the FIK package's errors
        typer.echo(refusal(error), err=True)
        sys.exit(2)
    except OSError as error:  # a file that cannot be read or written
        where = f": {error.filename}" if error.filename else ""
        typer.echo(f"error: {error.strerror or error}{where}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
