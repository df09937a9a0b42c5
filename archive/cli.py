"""Archive commands (`get`, `list`, `verify`, `migrate`), registered by the CLI root.

Plain functions with typer annotations. Expected errors print one line on stderr and exit 1;
`archive_verify` exits 1 when files are missing or altered and 2 when it could not run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from archive.core import Archive
from archive.local import INDEX_FILE, LocalArchive
from archive.store import ArchiveError
from faktura.errors import InvalidInput

DEFAULT_ARCHIVE_DIR = Path("var/archive")

TenantOpt = Annotated[str, typer.Option("--tenant", help="Firm (tenant slug).")]
ArchiveDirOpt = Annotated[
    Path, typer.Option("--archive-dir", help="Archive folder (holds index.sqlite).")
]
SettingsOpt = Annotated[Path | None, typer.Option(
    "--settings", help="Settings TOML: the archive it configures (PostgreSQL / S3 included).",
    show_default=False)]
DateOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD.")]


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code`."""
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    typer.echo(f"error: {first_line}", err=True)
    raise typer.Exit(code)


def _describe(exc: BaseException) -> str:
    """A short message for an expected error (the driver's message for database errors)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return f"index database: {exc.orig}"
    return str(exc)


@contextmanager
def _open_archive(archive_dir: Path, error_code: int = 1,
                  settings: Path | None = None) -> Iterator[Archive]:
    """Open an existing archive; expected failures become one line on stderr."""
    archive: Archive
    if settings is not None:
        from archive.open import describe_archive, open_archive
        from faktura.settings import load_settings

        try:
            config = load_settings(settings)
        except InvalidInput as exc:
            _fail(str(exc), error_code)
        try:
            archive = open_archive(config)
        except Exception as exc:  # noqa: BLE001 - database or object store unreachable
            _fail(f"cannot open archive ({describe_archive(config)}): {_describe(exc)}",
                  error_code)
    else:
        if not (archive_dir / INDEX_FILE).is_file():
            _fail(f"no archive at {archive_dir} ({INDEX_FILE} not found)", error_code)
        try:
            archive = LocalArchive(archive_dir)
        except (SQLAlchemyError, OSError) as exc:
            _fail(f"cannot open archive at {archive_dir}: {_describe(exc)}", error_code)
    try:
        yield archive
    except (ArchiveError, ValueError, OSError, SQLAlchemyError) as exc:
        _fail(_describe(exc), error_code)
    finally:
        archive.close()


def archive_get(
    invoice_number: Annotated[str, typer.Argument(help="Invoice number as issued.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF.")],
    tenant: TenantOpt = "default",
    archive_dir: ArchiveDirOpt = DEFAULT_ARCHIVE_DIR,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    settings: SettingsOpt = None,
) -> None:
    """Write an archived invoice's PDF, byte for byte as issued, to --out."""
    with _open_archive(archive_dir, settings=settings) as archive:
        data = archive.pdf(tenant, invoice_number)
    if out.exists() and not force:
        _fail(f"{out} already exists; use --force to overwrite it")
    try:
        _write(out, data, force)
    except FileExistsError:
        _fail(f"{out} already exists; use --force to overwrite it")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    typer.echo(f"wrote invoice {invoice_number} ({len(data)} bytes) to {out}")


def archive_list(
    tenant: TenantOpt = "default",
    archive_dir: ArchiveDirOpt = DEFAULT_ARCHIVE_DIR,
    customer: Annotated[str | None, typer.Option(help="Customer number.")] = None,
    date_from: DateOpt = None,
    date_to: DateOpt = None,
    q: Annotated[
        str | None, typer.Option("--search", "-q", help="Text in the customer name.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows per page.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Rows to skip.")] = 0,
    settings: SettingsOpt = None,
) -> None:
    """List archived invoices, newest issue date first."""
    with _open_archive(archive_dir, settings=settings) as archive:
        rows = archive.list(
            tenant,
            customer=customer,
            date_from=date_from.date() if date_from else None,
            date_to=date_to.date() if date_to else None,
            q=q,
            limit=limit,
            offset=offset,
        )
    console = Console()
    if not rows:
        console.print("No archived invoices match.")
        return
    table = Table(title=f"Archived invoices ({tenant})")
    for name in ("Number", "Type", "Date", "Cust. no.", "Customer", "Total", "Source id"):
        table.add_column(name, no_wrap=name in ("Number", "Date", "Total"))
    for e in rows:
        table.add_row(
            e.invoice_number,
            "credit note" if e.document_type == "credit_note" else "invoice",
            e.issue_date.isoformat(),
            e.customer_number,
            e.customer_name,
            f"{e.currency_code} {e.total_amount:.2f}",
            e.source_id or "",
        )
    console.print(table)
    console.print(f"{len(rows)} shown (offset {offset}).")


def archive_verify(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this firm (default: all).")
    ] = None,
    archive_dir: ArchiveDirOpt = DEFAULT_ARCHIVE_DIR,
    settings: SettingsOpt = None,
) -> None:
    """Recompute every archived file's hash; exit 1 if any file is missing or altered."""
    with _open_archive(archive_dir, error_code=2, settings=settings) as archive:
        report = archive.verify(tenant)
    console = Console()
    scope = f"tenant {tenant}" if tenant else "all tenants"
    if report.ok:
        console.print(
            f"Verified {report.checked} archived invoices ({scope}): "
            "all files present and unaltered."
        )
        return
    table = Table(title="Archive problems")
    for name in ("Tenant", "Invoice", "File", "Problem", "Detail"):
        table.add_column(name, no_wrap=name != "Detail")
    for p in report.problems:
        table.add_row(p.tenant, p.invoice_number, p.file, p.kind.upper(), p.detail)
    console.print(table)
    missing = sum(p.kind == "missing" for p in report.problems)
    altered = len(report.problems) - missing
    console.print(
        f"Checked {report.checked} archived invoices ({scope}): "
        f"{missing} missing and {altered} altered files."
    )
    raise typer.Exit(1)


def archive_migrate(
    to: Annotated[Path, typer.Option(
        "--to", help="Settings TOML of the target archive (e.g. PostgreSQL + S3).")],
    archive_dir: ArchiveDirOpt = DEFAULT_ARCHIVE_DIR,
    settings: SettingsOpt = None,
) -> None:
    """Copy the archive (--settings, or --archive-dir) to the one --to configures, verified.

    Safe to repeat; exits 1 if the target does not hold every invoice unaltered afterwards.
    """
    from archive.migrate import copy_archive

    with _open_archive(archive_dir, error_code=2, settings=settings) as source, \
            _open_archive(archive_dir, error_code=2, settings=to) as target:
        report = copy_archive(source, target)
    console = Console()
    console.print(f"Copied {report.copied} archived invoices ({report.already_there} were"
                  " already there).")
    if report.ok:
        console.print("Verified: the target holds every invoice, all files unaltered.")
        return
    for name in report.missing:
        console.print(f"MISSING in the target: {name}")
    for p in report.problems:
        console.print(f"{p.kind.upper()}: {p.tenant} {p.invoice_number} {p.file} {p.detail}")
    raise typer.Exit(1)


def _write(out: Path, data: bytes, force: bool) -> None:
    """Write `data` to `out`; without `force` the file must not exist (checked atomically)."""
    if not force:
        with out.open("xb") as f:
            f.write(data)
        return
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
