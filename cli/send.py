"""`faktura send`: e-mail issued invoices to their customers, through the outbox.

    faktura send NUMBER...          e-mail these invoices (an invoice sent before: skipped)
    faktura send NUMBER... --again  send a new copy (a new Message-ID)
    faktura send --pending          send what waits: queued, failed, left by a crash
    faktura send --log NUMBER       an invoice's delivery log
    faktura send --customers        where each customer's invoices and e-invoices go

Exit status 1 when a send failed or its outcome is unknown, 2 when nothing could run.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Annotated

import typer

from archive import NotArchived
from issuing.bootstrap import open_archive, open_outbox
from cli.language import refusal, say
from cli.options import SettingsOption
from infra.settings_files import discover
from issuing.delivery import Deliverer, Outcome


_EINVOICE = {"none": "no e-invoice", "email": "e-mail (XML attached)",
             "uniconta": "Uniconta OIOUBL sending"}


def send_command(
    numbers: Annotated[list[str] | None, typer.Argument(
        help="Invoice numbers to e-mail", show_default=False)] = None,
    pending: Annotated[bool, typer.Option(
        "--pending", help="Send every waiting e-mail (queued, failed, interrupted)")] = False,
    again: Annotated[bool, typer.Option(
        "--again", help="Send a new copy of an invoice sent before")] = False,
    log: Annotated[str | None, typer.Option(
        "--log", help="Show an invoice's delivery log", show_default=False)] = None,
    customers: Annotated[bool, typer.Option(
        "--customers", help="Where each customer's invoices and e-invoices go")] = False,
    settings: SettingsOption = None,
) -> None:
    """E-mail issued invoices to their customers (the archived PDF, and the e-invoice XML
    where it goes by e-mail); at most once each, even across a crash."""
    if not (numbers or pending or log or customers):
        typer.echo("error: give invoice numbers, --pending, --log NUMBER or --customers",
                   err=True)
        raise typer.Exit(2)
    config = discover(settings)
    with ExitStack() as stack:
        archive = stack.enter_context(open_archive(config))
        outbox = stack.enter_context(open_outbox(config))
        deliverer = Deliverer(config, archive=archive, outbox=outbox)
        if customers:
            _print_customers(deliverer)
        if log:
            _print_log(deliverer, log)
        outcomes: list[Outcome] = []
        if numbers:
            try:
                outcomes += deliverer.send(numbers, again=again)
            except NotArchived as missing:
                typer.echo(refusal(missing), err=True)
                raise typer.Exit(2) from None
        if pending:
            outcomes += deliverer.send_pending()
            if not outcomes:
                typer.echo(say("nothing to send"))
    for outcome in outcomes:
        typer.echo(f"{outcome.invoice_number}\t{outcome.state}\t{outcome.detail}")
    if any(outcome.state in ("failed", "unconfirmed", "refused") for outcome in outcomes):
        raise typer.Exit(1)


def _print_customers(deliverer: Deliverer) -> None:
    typer.echo("customer\tname\te-mail\tfrom\te-invoice")
    for entry, route in deliverer.routes():
        einvoice = _EINVOICE[route.einvoice]
        if route.einvoice == "uniconta":
            einvoice += f" (EAN {route.ean})"
        typer.echo(f"{entry.customer_number}\t{entry.customer_name}\t"
                   f"{route.recipient or '-'}\t{route.source}\t{einvoice}")


def _print_log(deliverer: Deliverer, number: str) -> None:
    lines = deliverer.outbox.log_of(deliverer.tenant, number)
    if not lines:
        typer.echo(f"invoice {number}: never queued for e-mail")
    for line in lines:
        detail = f"\t{line.detail}" if line.detail else ""
        typer.echo(f"{line.at:%Y-%m-%d %H:%M:%S}\t{number}\t#{line.round}\t{line.event}{detail}")
