"""`faktura worker --settings FILE|DIR`: a Celery worker that renders and posts batch invoices.

Start any number, on any number of machines, with the same settings (one TOML file, or a
folder of `<tenant>.toml` as for `faktura serve`). Each worker consumes the shared render queue,
the posting queue of every tenant it has settings for (see `issuing.queue`) and the queue of
the background work `faktura beat` sends (see `issuing.periodic`).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer


def worker_command(
    settings: Annotated[Path, typer.Option(
        "--settings", help="Settings TOML, or a folder of <tenant>.toml")],
    concurrency: Annotated[int | None, typer.Option(
        min=1, help="Tasks at once (default: one per core)", show_default=False)] = None,
    name: Annotated[str | None, typer.Option(
        help="Worker name (default: faktura@<host>-<pid>)", show_default=False)] = None,
    loglevel: Annotated[str, typer.Option(help="Log level")] = "INFO",
) -> None:
    """Run a worker for batches: renders invoices and posts them, one per tenant at a time;
    and the background work `faktura beat` sends (the poll, the payment statuses)."""
    import os

    from infra.tenant_settings import TenantRegistry
    from issuing import periodic
    from issuing.queue import WorkerState, install, post_queue, render_queue

    registry = TenantRegistry.load(settings)
    app, first = periodic.shared_app(registry.settings, str(settings))
    install(WorkerState(registry.settings))
    periodic.install(registry.settings)
    queues = [render_queue(first.queue_namespace),
              *(post_queue(first.queue_namespace, tenant) for tenant in registry.settings),
              periodic.periodic_queue(first.queue_namespace)]
    argv = ["worker", "-Q", ",".join(queues), "--loglevel", loglevel,
            "-n", name or f"faktura@{socket.gethostname()}-{os.getpid()}",
            "--without-gossip", "--without-mingle"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    app.worker_main(argv)
