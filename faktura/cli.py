"""The `faktura` command line.

Each concern keeps its commands next to its code and is registered here; this module only
wires them together and turns expected errors into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="faktura",
    help="Danish invoices: render, FIK payment lines, exactly-once posting to Uniconta.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    """Attach each concern's commands (imported lazily so one broken concern shows clearly)."""


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
