"""`faktura batch DIR|FILES...`: issue many invoices, with a progress bar and a summary.

`batch_command` is a plain function with typer annotations that the CLI root registers; run
`python -m cli.batch` for the same command on its own. Exit status: 0 when every
invoice is issued (now or before), 1 when any failed, 2 when the batch could not run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from archive import ArchiveError
from cli.language import problems_line, refusal, say
from infra.atomic import write_bytes_atomically
from faktura.errors import FakturaError
from faktura.settings import Settings
from infra.settings_files import SETTINGS_HELP, discover
from issuing import bootstrap
from issuing.batch import (
    BatchInput,
    BatchReport,
    BatchResult,
    Outcome,
    ProcessRenderer,
    default_workers,
    iter_archived_pdfs,
    print_file,
    read_inputs,
    run_batch,
)
from issuing.bulk import DEFAULT_CHUNK_SIZE, run_bulk_batch
from issuing.doctor import preflight, refuse_if_blocked
from issuing.pipeline import Issuer
from sync.uniconta.errors import GatewayError

# (settings, renderer or None) → context manager of an Issuer, like `bootstrap.open_issuer`.
IssuerFactory = Callable[[Settings, Any], AbstractContextManager[Issuer]]


def batch_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Invoice JSON files, or folders of them (*.json)", show_default=False)],
    settings: Annotated[Path | None, typer.Option(
        help=SETTINGS_HELP, show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(
        help="Render processes (default: one per core; 0: render in this process); with a"
             " broker: renders in flight on the workers (default 8)",
        min=0, show_default=False)] = None,
    merged: Annotated[Path | None, typer.Option(
        help="Write one merged print file (PDF) of every issued invoice here")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Copy each issued invoice's PDF into this folder")] = None,
    chunk: Annotated[int, typer.Option(
        help="Post this many invoices together: their orders and lines in one Uniconta call"
             " each, then one posting per invoice; 1: one at a time",
        min=1)] = DEFAULT_CHUNK_SIZE,
) -> None:
    """Issue many invoices: post each to Uniconta once, render in parallel, archive.

    Re-running the same batch is safe: invoices already issued are skipped (reported as
    'already issued'), so a batch that was interrupted can simply be started again.
    """
    console = Console()
    try:
        config = discover(settings)
        inputs = read_inputs(paths)
        if not inputs:
            raise FakturaError("no invoice files found (give JSON files or folders of *.json)")
        report = issue_batch(inputs, config, workers=workers, merged=merged, out=out,
                             console=console, chunk=chunk)
    except (FakturaError, ArchiveError, GatewayError) as error:
        typer.echo(refusal(error), err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(1 if report.failed else 0)


def issue_batch(
    inputs: Sequence[BatchInput],
    settings: Settings,
    *,
    workers: int | None = None,
    merged: Path | None = None,
    out: Path | None = None,
    console: Console | None = None,
    open_issuer: IssuerFactory = bootstrap.open_issuer,
    chunk: int = DEFAULT_CHUNK_SIZE,
) -> BatchReport:
    """The batch command without the command line (tests inject `open_issuer`). With
    `chunk` > 1 the invoices are posted in chunks of that many (`issuing.bulk`)."""
    console = console or Console()
    with _issuer(settings, workers, open_issuer) as (issuer, renderer), _progress(
            console, len(inputs)) as advance:
        _check_setup(issuer, settings)
        if chunk > 1:
            report = run_bulk_batch(issuer, inputs, chunk_size=chunk, renderer=renderer,
                                    on_result=advance)
        else:
            report = run_batch(issuer, inputs, renderer=renderer, on_result=advance)
        if out is not None:
            _copy_pdfs(issuer, report, out)
        printed = None
        if merged is not None and report.archived_numbers:
            printed = print_file(issuer.archive, issuer.settings.tenant,
                                 report.archived_numbers)
            if printed.pdf is not None:
                write_bytes_atomically(_ready(merged), printed.pdf)
    console.print(summary_table(report))
    if merged is not None:
        if printed is None:
            console.print("print file: not written (no invoice was issued)")
        elif printed.pdf is not None:
            console.print(f"print file: {merged}")
        if printed is not None and printed.skipped:
            console.print(f"print file: {printed.note()}")
    return report


def _check_setup(issuer: Issuer, settings: Settings) -> None:
    """The doctor's cheap rules before the first invoice: a setup that would refuse every
    invoice (a wrong password) stops the batch with one line (`SetupRefused`)."""
    client = getattr(issuer.poster, "client", None)
    if client is not None:  # posting here (with a broker, the workers post)
        refuse_if_blocked(preflight(client, settings), "en")


@contextlib.contextmanager
def _issuer(settings: Settings, workers: int | None,
            open_issuer: IssuerFactory) -> Iterator[tuple[Issuer, Any]]:
    """The batch's issuer and renderer: Celery workers when a broker is set, else processes
    here (`workers` = 0: in this process)."""
    if settings.broker_url is not None and open_issuer is bootstrap.open_issuer:
        from issuing.queue import open_queue_issuer

        with open_queue_issuer(settings, workers) as pair:
            yield pair
        return
    workers = default_workers() if workers is None else workers
    if workers == 0:
        with open_issuer(settings, None) as issuer:
            yield issuer, None
        return
    with ProcessRenderer(workers) as renderer, open_issuer(settings, renderer) as issuer:
        yield issuer, renderer


@contextlib.contextmanager
def _progress(console: Console, total: int) -> Iterator[Callable[[BatchResult], None]]:
    columns = (TextColumn("[bold]issuing"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[last]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("issuing", total=total, last="")

        def advance(result: BatchResult) -> None:
            label = result.invoice_number or result.outcome.value
            progress.update(task, advance=1, last=f"{result.name} → {label}")

        yield advance


def summary_table(report: BatchReport) -> Table:
    """Issued / already issued / failed, with each failure's reason."""
    table = Table(title="Batch summary", show_lines=False)
    table.add_column("Invoice")
    table.add_column("Source id")
    table.add_column("Result")
    table.add_column("Number")
    table.add_column("Reason", overflow="fold")
    styles = {Outcome.ISSUED: "green", Outcome.ALREADY_ISSUED: "cyan", Outcome.FAILED: "red"}
    for r in report.results:
        table.add_row(r.name, r.source_id or "",
                      f"[{styles[r.outcome]}]{say(r.outcome.value.replace('_', ' '))}",
                      r.invoice_number or "", problems_line(r.problems))
    table.caption = say("batch summary", issued=report.count(Outcome.ISSUED),
                        already=report.count(Outcome.ALREADY_ISSUED), failed=len(report.failed))
    return table


def _copy_pdfs(issuer: Issuer, report: BatchReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    numbers = [n for n in report.archived_numbers
               if issuer.archive.get(issuer.settings.tenant, n).pdf_kept]
    for number, pdf in zip(numbers, iter_archived_pdfs(issuer, numbers), strict=True):
        write_bytes_atomically(out / f"{number}.pdf", pdf)


def _ready(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def main() -> None:
    """`python -m cli.batch …` (the same command as `faktura batch`)."""
    typer.run(batch_command)


if __name__ == "__main__":
    main()
