"""`faktura db upgrade` / `faktura db current`: schema migrations (Alembic) for every store.

With `database_url` (PostgreSQL) the archive index, posting ledger, API keys and API batch
records and the delivery outbox share one database and every branch is upgraded there. With the embedded default
each store is its own SQLite file (`<archive_dir>/index.sqlite`, `<state_dir>/ledger.sqlite`,
`<state_dir>/api-keys.sqlite`, `<state_dir>/delivery.sqlite`; batch records stay files) and each file gets its own branch;
each such file is also brought up to date when its store opens it. The item catalogue
(`<state_dir>/catalogue.sqlite`, once items are imported) is always a file of its own.
Upgrading is safe to repeat and keeps every row. The migrations live beside their stores
(`archive/migrations/`, `sync/posting/migrations/`, `api/migrations/`, `delivery/migrations/`); `infra.migrations`
runs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from delivery.schema import DELIVERY_FILE
from faktura.settings import Settings
from faktura.errors import InvalidInput, Problem
from infra.database import Target, copy_tables, describe, open_database
from infra.migrations import SHARED_BRANCHES, current, upgrade
from infra.settings_files import load_settings
from sync.posting.catalogue import CATALOGUE_FILE
from sync.posting.ledger import LEDGER_FILE

KEYS_FILE = "api-keys.sqlite"

app = typer.Typer(help="The databases' schema (migrations).", no_args_is_help=True)
SettingsArg = Annotated[Path, typer.Option("--settings", help="Settings TOML")]


def targets(settings: Settings) -> list[tuple[Target, list[str]]]:
    """Each database of these settings with the migration branches it holds."""
    catalogue = settings.state_dir / CATALOGUE_FILE  # always a file, once items are imported
    found: list[tuple[Target, list[str]]] = []
    if catalogue.is_file():
        found.append((catalogue, ["catalogue"]))
    if settings.database_url is not None:
        return [(settings.database_url.get_secret_value(), list(SHARED_BRANCHES)), *found]
    return [(settings.archive_dir / "index.sqlite", ["archive"]),
            (settings.state_dir / LEDGER_FILE, ["ledger"]),
            (settings.state_dir / KEYS_FILE, ["keys"]),
            (settings.state_dir / DELIVERY_FILE, ["delivery"]), *found]


def upgrade_command(settings: SettingsArg) -> None:
    """Create or upgrade the schema of every database the settings use; keeps every row."""
    config = load_settings(settings)
    for target, branches in targets(config):
        try:
            upgrade(target, branches)
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or type(error).__name__
            typer.echo(f"error: {describe(target)}: {reason}", err=True)
            raise typer.Exit(2) from None
        revisions = ", ".join(sorted(current(target)))
        typer.echo(f"{describe(target)}: at {revisions}")


def current_command(settings: SettingsArg) -> None:
    """Show the schema revision of every database the settings use."""
    config = load_settings(settings)
    for target, _ in targets(config):
        revisions = ", ".join(sorted(current(target))) or "not migrated"
        typer.echo(f"{describe(target)}: {revisions}")


def move_ledger_command(
    settings: SettingsArg,
    to: Annotated[Path, typer.Option("--to", help="The settings the ledger moves to")],
) -> None:
    """Copy the posting ledger (what was booked and issued) and the delivery outbox to the
    databases of other settings, before Faktura first runs on them: a new, empty ledger would
    not know what Uniconta already has."""
    from delivery.schema import metadata as delivery_tables
    from sync.posting.ledger import metadata as ledger_tables

    source, target = load_settings(settings), load_settings(to)
    for tables, file_name, branch in ((ledger_tables, LEDGER_FILE, "ledger"),
                                      (delivery_tables, DELIVERY_FILE, "delivery")):
        here, there = source.database(file_name), target.database(file_name)
        if describe(here) == describe(there):
            raise InvalidInput("--to", [Problem("", "names the same database as --settings")])
        for database in (here, there):
            upgrade(database, [branch])
        reading, writing = open_database(here), open_database(there)
        try:
            copied = copy_tables(tables, reading, writing)
        except ValueError as error:
            raise InvalidInput("--to", [Problem("", f"{describe(there)}: {error}; move the"
                                        " ledger before the first run on these settings")]) \
                from None
        finally:
            reading.dispose()
            writing.dispose()
        rows = ", ".join(f"{name} {count}" for name, count in copied.items())
        typer.echo(f"{describe(here)} → {describe(there)}: {rows}")


app.command("upgrade")(upgrade_command)
app.command("current")(current_command)
app.command("move-ledger")(move_ledger_command)
