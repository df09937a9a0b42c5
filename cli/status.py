"""`faktura status`: each issued invoice's payment status, as Uniconta's open items say.

    faktura status              the statuses as last read
    faktura status --refresh    read Uniconta's open items first (one call; `faktura serve`
                                and `faktura beat` read them by themselves every
                                uniconta.status_interval seconds)
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Annotated

import typer

from issuing.bootstrap import open_archive, open_status_store
from cli.options import SettingsOption
from infra.settings_files import discover
from issuing.period import select as select_period
from issuing.status import refresh_statuses
from renderer.formatting import amount as format_amount
from renderer.formatting import short_date



def status_command(
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Read Uniconta's open items first")] = False,
    settings: SettingsOption = None,
) -> None:
    """Each issued invoice's payment status: open, partly paid, paid, overdue, credited."""
    config = discover(settings)
    with ExitStack() as stack:
        archive = stack.enter_context(open_archive(config))
        store = stack.enter_context(open_status_store(config))
        if refresh:
            from issuing.bootstrap import open_gateway

            client = stack.enter_context(open_gateway(config))
            refresh_statuses(config, archive, store, client)
        known = store.of(config.tenant)
        entries = select_period(archive, None, config.tenant).entries  # number order
    if not known and not refresh:
        typer.echo("no status read yet: run `faktura status --refresh`", err=True)
    typer.echo("number\tdate\tcustomer\ttotal\tstatus\topen\tdue")
    for entry in entries:
        record = known.get(entry.invoice_number)
        total = format_amount(entry.signed_total, "en")
        status = str(record.status) if record else "unknown"
        amount_open = format_amount(record.amount_open, "en") if record and record.amount_open \
            is not None else "-"
        due = short_date(record.due_date, "en") if record and record.due_date else "-"
        typer.echo(f"{entry.invoice_number}\t{short_date(entry.issue_date, 'en')}\t{entry.customer_name}\t"
                   f"{total} {entry.currency_code}\t{status}\t{amount_open}\t{due}")
