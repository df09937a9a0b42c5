"""`faktura beat --settings FILE|DIR`: send the background work to the Celery workers on time.

Run one (Celery beat), beside any number of `faktura worker`s with the same settings: every
`uniconta.follow_interval` seconds the poll for booked invoices of each tenant with
`uniconta.follow_in_workers`, every `uniconta.status_interval` seconds the payment-status read
of each tenant; the first round at once. See `issuing.periodic`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def beat_command(
    settings: Annotated[Path, typer.Option(
        "--settings", help="Settings TOML, or a folder of <tenant>.toml")],
    loglevel: Annotated[str, typer.Option(help="Log level")] = "INFO",
) -> None:
    """Send the workers the poll for booked invoices and the payment-status read on time."""
    from infra.tenant_settings import TenantRegistry
    from issuing import periodic

    registry = TenantRegistry.load(settings)
    app, _ = periodic.shared_app(registry.settings, str(settings))
    schedule = periodic.beat_schedule(registry.settings)
    if not schedule:
        typer.echo("nothing to schedule: no tenant sets uniconta.follow_in_workers or a"
                   " uniconta.status_interval", err=True)
        raise typer.Exit(2)
    app.conf.beat_schedule = schedule
    for name, entry in sorted(schedule.items()):
        typer.echo(f"{name}: every {entry['schedule'].total_seconds():.0f} s", err=True)
    app.Beat(scheduler=periodic.StartingScheduler, loglevel=loglevel, max_interval=30).run()
