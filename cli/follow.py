"""`faktura follow`: issue the invoices booked in Uniconta, by polling (the webhook's backstop).

    faktura follow [--once] [--settings FILE]       poll every uniconta.follow_interval s
    faktura follow --list                           the booked invoices that need attention
    faktura follow --retry N                        issue booked invoice N once fixed
    faktura follow --from N                         start after invoice N (a first run)
    faktura follow --register-webhook URL [--table-id ID] [--post/--no-post]

Exit codes: 0 done; 1 some booked invoice needs attention (or a retry failed); 2 bad input,
a refused login or Uniconta unreachable (`--once`).
"""

from __future__ import annotations

import signal
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

import typer
from rich.console import Console
from rich.table import Table

from cli.language import in_cli_language, say
from faktura.errors import FakturaError
from faktura.settings import Settings
from infra.settings_files import SETTINGS_HELP, discover
from issuing.booked import BookedIssuer, BookingOutcome, booked_issuer
from issuing.bootstrap import open_issuer
from sync.posting.bookings import Bookings
from sync.posting.ledger import LEDGER_FILE
from sync.uniconta.errors import GatewayError

console = Console()
errors = Console(stderr=True)
SettingsOption = Annotated[Path | None, typer.Option(
    "--settings", help=SETTINGS_HELP, show_default=False)]


def follow_command(
    once: Annotated[bool, typer.Option("--once", help="One round, then stop")] = False,
    list_attention: Annotated[bool, typer.Option(
        "--list", help="List the booked invoices that need attention")] = False,
    retry: Annotated[int | None, typer.Option(
        "--retry", help="Issue this booked invoice number again (once its cause is fixed)",
        show_default=False)] = None,
    start_after: Annotated[int | None, typer.Option(
        "--from", help="Start after this invoice number (older ones are left alone)",
        show_default=False)] = None,
    register_webhook: Annotated[str | None, typer.Option(
        "--register-webhook", help="Register this URL in Uniconta (a TableChangeEvent row)",
        show_default=False)] = None,
    table_id: Annotated[int, typer.Option(
        help="The Uniconta table the webhook watches (0: every table)")] = 0,
    post: Annotated[bool, typer.Option(
        "--post/--no-post", help="Uniconta sends the record as JSON (UsePost)")] = True,
    settings: SettingsOption = None,
) -> None:
    """Issue the invoices booked in Uniconta: the poll behind (or instead of) the webhook."""
    config = discover(settings)
    if list_attention:
        _list(config)
        return
    with ExitStack() as stack:
        try:
            booked = booked_issuer(stack.enter_context(open_issuer(config)))
            stack.callback(booked.close)
            bookings = booked.bookings
            if register_webhook is not None:
                _register(booked, register_webhook, table_id, post)
            elif retry is not None:
                outcome = booked.issue(retry, retry=True)
                _show([outcome])
                if outcome.outcome in ("attention", "not booked"):
                    raise typer.Exit(1)
            elif once:
                if start_after is not None:
                    bookings.advance_cursor(config.tenant, start_after)
                _show(booked.follow_once() or [])
                if booked.needing_attention():
                    raise typer.Exit(1)
            else:
                if start_after is not None:
                    bookings.advance_cursor(config.tenant, start_after)
                _loop(booked, config)
        except GatewayError as error:
            errors.print(f"error: Uniconta: {error}; nothing was lost: the cursor is where it"
                         " was", highlight=False)
            raise typer.Exit(2) from None


def _loop(booked: BookedIssuer, config: Settings) -> None:
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    interval = config.uniconta.follow_interval
    errors.print(f"following Uniconta every {interval} s (Ctrl-C stops)", highlight=False)

    def report(result: list[BookingOutcome] | Exception) -> None:
        if isinstance(result, Exception):
            errors.print(f"Uniconta: {result}; trying again later, the cursor is kept",
                         highlight=False)
        elif result:
            _show(result)

    booked.follow(interval=interval, stop=stopping.is_set, on_round=report,
                  sleep=lambda seconds: stopping.wait(seconds))


def _register(booked: BookedIssuer, url: str, table_id: int, post: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FakturaError("--register-webhook: the URL must start with https:// (or http://)")
    shown = urlunsplit((parts.scheme, parts.netloc, _redacted(parts.path), "", ""))
    client = booked.client
    existing = [row for row in client.query("TableChangeEvent")
                if row.get("Url") == url and int(row.get("TableId") or 0) == table_id]
    if existing:
        console.print(f"webhook already registered: {shown}", highlight=False)
        return
    client.insert("TableChangeEvent", {"TableId": table_id, "Url": url, "UsePost": post})
    console.print(f"webhook registered in Uniconta: {shown} (table {table_id or 'all'})",
                  highlight=False)


def _redacted(path: str) -> str:
    """The path with its last segment (the secret token) hidden."""
    head, _, last = path.rstrip("/").rpartition("/")
    return f"{head}/{'…' if last else ''}"


def _list(config: Settings) -> None:
    bookings = Bookings(config.database(LEDGER_FILE))
    try:
        records = bookings.all(config.tenant)
    finally:
        bookings.close()
    attention = [r for r in records if r.state.value == "attention"]
    if not attention:
        console.print(say("none waits"))
        return
    table = Table("invoice no.", "source", "attempts", "reason", title="Booked in Uniconta,"
                  " needs attention (fix the cause, then faktura follow --retry N)")
    for r in attention:
        table.add_row(r.invoice_number, r.source_id or "(Uniconta)", str(r.attempts),
                      in_cli_language(r.reason or ""), style="red")
    console.print(table)
    raise typer.Exit(1)


def _show(outcomes: list[BookingOutcome]) -> None:
    if not outcomes:
        console.print(say("nothing booked"))
        return
    table = Table("invoice no.", "outcome", "reason")
    styles = {"attention": "red", "issued": "green"}
    for o in outcomes:
        table.add_row(o.invoice_number, say(o.outcome), in_cli_language(o.reason or ""),
                      style=styles.get(o.outcome))
    console.print(table)
