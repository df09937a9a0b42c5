"""`faktura worker --settings FILE|DIR`: a Celery worker that renders and posts batch invoices.

Start any number, on any number of machines, with the same settings (one TOML file, or a
folder of `<tenant>.toml` as for `faktura serve`). Each worker consumes the shared render queue
and the posting queue of every tenant it has settings for; see `issuing.queue`.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from faktura.errors import InvalidInput, Problem


def worker_command(
    settings: Annotated[Path, typer.Option(
        "--settings", help="Settings TOML, or a folder of <tenant>.toml")],
    concurrency: Annotated[int | None, typer.Option(
        min=1, help="Tasks at once (default: one per core)", show_default=False)] = None,
    name: Annotated[str | None, typer.Option(
        help="Worker name (default: faktura@<host>-<pid>)", show_default=False)] = None,
    loglevel: Annotated[str, typer.Option(help="Log level")] = "INFO",
) -> None:
    """Run a worker for batches: renders invoices and posts them, one per tenant at a time."""
    import os

    from infra.tenant_settings import TenantRegistry
    from issuing.queue import WorkerState, install, make_app, post_queue, render_queue

    registry = TenantRegistry.load(settings)
    configs = list(registry.settings.values())
    brokers = {c.broker_url.get_secret_value() if c.broker_url else "" for c in configs}
    namespaces = {c.queue_namespace for c in configs}
    if "" in brokers or len(brokers) > 1 or len(namespaces) > 1:
        raise InvalidInput(str(settings), [Problem(
            "broker_url", "every tenant needs the same broker_url and queue_namespace for a"
            " worker")])
    first = configs[0]
    app = make_app(first)
    install(WorkerState(registry.settings))
    queues = [render_queue(first.queue_namespace),
              *(post_queue(first.queue_namespace, tenant) for tenant in registry.settings)]
    argv = ["worker", "-Q", ",".join(queues), "--loglevel", loglevel,
            "-n", name or f"faktura@{socket.gethostname()}-{os.getpid()}",
            "--without-gossip", "--without-mingle"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    app.worker_main(argv)
