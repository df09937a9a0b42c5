"""`faktura worker --settings FILE|DIR`: a Celery worker that renders and posts batch invoices.

Start any number, on any number of machines, with the same settings (one TOML file, or a
folder of `<tenant>.toml` as for `faktura serve`). A worker runs two lanes (`--lane`, see
`issuing.queue`), each a Celery worker process of its own:

* `render`: the shared render queue and the background work `faktura beat` sends (the poll
  for booked invoices renders them; see `issuing.periodic`), a pool of `--concurrency`
  processes (one per core by default), each with a renderer warmed up before its first task;
* `post`: the posting queue of every tenant it has settings for, one thread per tenant (a
  tenant posts one chunk at a time), never behind a render, and without WeasyPrint loaded.

`--lane all` (the default) runs the render lane in this process and the posting lane in a
child process that stops with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from faktura.errors import InvalidInput, Problem


def worker_command(
    settings: Annotated[Path, typer.Option(
        "--settings", help="Settings TOML, or a folder of <tenant>.toml")],
    concurrency: Annotated[int | None, typer.Option(
        min=1, help="Renders at once (default: one per core)", show_default=False)] = None,
    name: Annotated[str | None, typer.Option(
        help="Worker name (default: faktura@<host>-<pid>)", show_default=False)] = None,
    loglevel: Annotated[str, typer.Option(help="Log level")] = "INFO",
    lane: Annotated[str, typer.Option(
        help="all: both lanes; render: render only; post: posting only")] = "all",
) -> None:
    """Run a worker for batches: renders invoices, and posts them in chunks per tenant; and
    the background work `faktura beat` sends (the poll, the payment statuses)."""
    from infra.tenant_settings import TenantRegistry
    from issuing import periodic
    from issuing.bootstrap import open_engine
    from issuing.queue import WorkerState, install, post_queue, render_queue

    if lane not in ("all", "render", "post"):
        raise InvalidInput("--lane", [Problem("lane", "must be all, render or post")])
    registry = TenantRegistry.load(settings)
    app, first = periodic.shared_app(registry.settings, str(settings))
    namespace = first.queue_namespace
    name = name or f"faktura@{socket.gethostname()}-{os.getpid()}"
    state = WorkerState(registry.settings, open_engine)
    install(state)
    common = ["--loglevel", loglevel, "--without-gossip", "--without-mingle"]
    if lane == "post":
        queues = [post_queue(namespace, tenant) for tenant in registry.settings]
        app.worker_main(["worker", "-Q", ",".join(queues), "-n", _lane_name(name, "post"),
                         "--pool", "threads", "--concurrency", str(len(queues)), *common])
        return

    from celery.signals import worker_process_init

    periodic.install(registry.settings)
    worker_process_init.connect(lambda **_: state.warm_up(), weak=False)
    posting = None if lane == "render" else _start_posting_lane(settings, name, loglevel)
    try:
        queues = [render_queue(namespace), periodic.periodic_queue(namespace)]
        argv = ["worker", "-Q", ",".join(queues), "-n", name, *common]
        if concurrency:
            argv += ["--concurrency", str(concurrency)]
        app.worker_main(argv)
    finally:
        if posting is not None:
            posting.terminate()  # a warm shutdown: the posting in hand finishes first
            posting.wait()


def _lane_name(name: str, lane: str) -> str:
    base, at, host = name.partition("@")
    return f"{base}-{lane}{at}{host}"


def _start_posting_lane(settings: Path, name: str, loglevel: str) -> subprocess.Popen[bytes]:
    """`faktura worker --lane post` as a child that the kernel stops when this process dies."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker", "--settings", str(settings), "--lane",
         "post", "--name", name, "--loglevel", loglevel], preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the parent goes, even by kill -9 (Linux)."""
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
