"""`faktura db upgrade` / `faktura db current`: schema migrations (Alembic) for every store.

With `database_url` (PostgreSQL) the archive index, posting ledger, API keys, API batch
records and the delivery outbox share one database and every branch is upgraded there. With the embedded default
each store is its own SQLite file (`<archive_dir>/index.sqlite`, `<state_dir>/ledger.sqlite`,
`<state_dir>/api-keys.sqlite`, `<state_dir>/delivery.sqlite`; batch records stay files) and each file gets its own branch.
Upgrading is safe to repeat and keeps every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from faktura.database import Target, describe, open_database
from faktura.settings import Settings, load_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BRANCHES = ("archive", "ledger", "keys", "batches", "delivery")
KEYS_FILE = "api-keys.sqlite"
DELIVERY_FILE = "delivery.sqlite"  # the outbox (`issuing.delivery.OUTBOX_FILE`)

app = typer.Typer(help="The databases' schema (migrations).", no_args_is_help=True)
SettingsArg = Annotated[Path, typer.Option("--settings", help="Settings TOML")]


def targets(settings: Settings) -> list[tuple[Target, list[str]]]:
    """Each database of these settings with the migration branches it holds."""
    if settings.database_url is not None:
        return [(settings.database_url.get_secret_value(), list(BRANCHES))]
    return [(settings.archive_dir / "index.sqlite", ["archive"]),
            (settings.state_dir / "ledger.sqlite", ["ledger"]),
            (settings.state_dir / KEYS_FILE, ["keys"]),
            (settings.state_dir / DELIVERY_FILE, ["delivery"])]


def upgrade(target: Target, branches: list[str], *, to: str = "head") -> None:
    """Bring one database's branches to their newest revision (or each to the revision
    `to` names on it, e.g. an older one to test an upgrade from)."""
    from alembic import command
    from alembic.config import Config

    engine = open_database(target)
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            for branch in branches:
                command.upgrade(config, to if to != "head" else f"{branch}@head")
    finally:
        engine.dispose()


def current(target: Target) -> set[str]:
    """The revisions a database is at (empty: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    engine = open_database(target)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


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


app.command("upgrade")(upgrade_command)
app.command("current")(current_command)
