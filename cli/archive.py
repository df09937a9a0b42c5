"""Archive commands (`get`, `list`, `verify`, `migrate`, `seal-key`), registered by the CLI
root.

`get --xml` writes an invoice's e-invoice instead of its PDF, `get --json` its invoice data as
archived (for an invoice in Uniconta's layout kept without its PDF, these are what there is).

Plain functions with typer annotations. The tenant and the archive folder come from the
settings (found as every command finds them); `--tenant` and `--archive-dir` override them.
Expected errors print one line on stderr and exit 1; `archive_verify` exits 1 when files are
missing or altered and 2 when it could not run.
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

from archive.anchor import Anchor
from archive.core import Archive
from archive.local import INDEX_FILE, LocalArchive
from archive.seal_key import create_key_file, load_key_file
from archive.store import ArchiveError, NoPdfKept
from faktura.errors import FakturaError, InvalidInput
from faktura.settings import Settings
from infra.settings_files import SETTINGS_HELP, discover, load_settings
from renderer.formatting import amount, short_date

TenantOpt = Annotated[str | None, typer.Option(
    "--tenant", help="Firm (tenant slug; default: the settings' tenant).", show_default=False)]
ArchiveDirOpt = Annotated[Path | None, typer.Option(
    "--archive-dir", help="Archive folder (default: the settings' archive_dir).",
    show_default=False)]
SettingsOpt = Annotated[Path | None, typer.Option(
    "--settings", help=SETTINGS_HELP, show_default=False)]
DateOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD.")]


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code`."""
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    typer.echo(f"error: {first_line}", err=True)
    raise typer.Exit(code)


def _where(settings: Path | None, tenant: str | None, archive_dir: Path | None,
           error_code: int = 1, need_tenant: bool = True) -> tuple[str | None, Settings | None]:
    """The tenant, and the settings whose archive to open (None: the folder given)."""
    if archive_dir is not None and (tenant is not None or not need_tenant):
        return tenant, None
    try:
        config = discover(settings, tenant)
    except FakturaError as exc:
        _fail(str(exc), error_code)
    return tenant or config.tenant, None if archive_dir is not None else config


def _describe(exc: BaseException) -> str:
    """A short message for an expected error (the driver's message for database errors)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return f"index database: {exc.orig}"
    return str(exc)


@contextmanager
def _open_archive(archive_dir: Path | None, config: Settings | None = None,
                  error_code: int = 1, seal_key_file: Path | None = None,
                  anchor_file: Path | None = None) -> Iterator[Archive]:
    """Open an existing archive — the folder given, else the one the settings configure
    (PostgreSQL / S3 included); expected failures become one line on stderr. The seal's key
    and anchor files given override the settings'."""
    archive: Archive
    if config is not None and (seal_key_file or anchor_file):
        chosen = config.archive.model_copy(update={
            name: value for name, value in (("seal_key_file", seal_key_file),
                                            ("anchor_file", anchor_file)) if value})
        if seal_key_file:
            chosen = chosen.model_copy(update={"seal_key": None})
        config = config.model_copy(update={"archive": chosen})
    if config is not None:
        from issuing.bootstrap import describe_archive, open_archive

        try:
            archive = open_archive(config)
        except Exception as exc:  # noqa: BLE001 - database or object store unreachable
            _fail(f"cannot open archive ({describe_archive(config)}): {_describe(exc)}",
                  error_code)
    else:
        assert archive_dir is not None
        if not (archive_dir / INDEX_FILE).is_file():
            _fail(f"no archive at {archive_dir} ({INDEX_FILE} not found)", error_code)
        try:
            key = load_key_file(seal_key_file) if seal_key_file else None
            archive = LocalArchive(archive_dir, seal_key=key,
                                   anchor=Anchor(anchor_file, key) if anchor_file else None)
        except (SQLAlchemyError, OSError, ArchiveError) as exc:
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
    tenant: TenantOpt = None,
    archive_dir: ArchiveDirOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    xml: Annotated[bool, typer.Option(
        "--xml", help="The e-invoice XML instead of the PDF.")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="The invoice data as archived (as booked) instead of the PDF.")]
    = False,
    settings: SettingsOpt = None,
) -> None:
    """Write an archived invoice's PDF (or with --xml its e-invoice, with --json its invoice
    data), byte for byte as issued, to --out."""
    if xml and as_json:
        _fail("give --xml or --json, not both", 2)
    tenant, config = _where(settings, tenant, archive_dir)
    with _open_archive(archive_dir, config) as archive:
        entry = archive.get(tenant, invoice_number)
        if xml:
            fmt = entry.xml_format
            data, name = archive.xml(tenant, invoice_number), f"{invoice_number}-{fmt}.xml"
        elif as_json:
            data = archive.invoice_json(tenant, invoice_number).encode("utf-8")
            name = f"{invoice_number}.json"
        elif not entry.pdf_kept:
            missing = NoPdfKept(entry.tenant, invoice_number, einvoice=bool(entry.xml_format))
            offer = "--xml writes its e-invoice, " if missing.einvoice else ""
            _fail(f"{missing}: {offer}--json its booked data")
        else:
            data, name = archive.pdf(tenant, invoice_number), f"{invoice_number}.pdf"
    if out.is_dir():
        out = out / name
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
    tenant: TenantOpt = None,
    archive_dir: ArchiveDirOpt = None,
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
    """List archived invoices: a page of the newest issue dates, shown in number order."""
    tenant, config = _where(settings, tenant, archive_dir)
    with _open_archive(archive_dir, config) as archive:
        rows = archive.list(
            tenant,
            customer=customer,
            date_from=date_from.date() if date_from else None,
            date_to=date_to.date() if date_to else None,
            q=q,
            limit=limit,
            offset=offset,
        )
    rows = sorted(rows, key=lambda e: (0, int(e.invoice_number), "")
                  if e.invoice_number.isdigit() else (1, 0, e.invoice_number))
    console = Console()
    if not rows:
        console.print("No archived invoices match.")
        return
    table = Table(title=f"Archived invoices ({tenant})")
    for name in ("Number", "Type", "Date", "Cust. no.", "Customer", "Total", "Source id"):
        table.add_column(name, no_wrap=name in ("Number", "Date", "Total"),
                         justify="right" if name == "Total" else "left")
    for e in rows:
        table.add_row(
            e.invoice_number,
            "credit note" if e.document_type == "credit_note" else "invoice",
            short_date(e.issue_date, "en"),
            e.customer_number,
            e.customer_name,
            f"{e.currency_code} {amount(e.signed_total, 'da')}",
            e.source_id or "",
        )
    console.print(table)
    console.print(f"{len(rows)} shown (offset {offset}).")


def archive_verify(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this firm (default: the settings'"
                                 " tenant; all tenants with --archive-dir alone).",
                                 show_default=False)
    ] = None,
    archive_dir: ArchiveDirOpt = None,
    settings: SettingsOpt = None,
    seal_key_file: Annotated[Path | None, typer.Option(
        "--seal-key-file", help="The seal's key (default: the settings'"
        " archive.seal_key_file).", show_default=False)] = None,
    anchor_file: Annotated[Path | None, typer.Option(
        "--anchor-file", help="The seal's anchor (default: the settings'"
        " archive.anchor_file).", show_default=False)] = None,
    key_the_seal: Annotated[bool, typer.Option(
        "--key-the-seal", help="Once, for an archive sealed before it had a key: when all"
        " else verifies, key its seal.")] = False,
) -> None:
    """Recompute every archived file's hash and prove the index against the invoices and its
    seal (with its key and anchor); exit 1 if a file is missing or altered, an index row was
    edited or deleted, or the seal was recomputed or cut short.

    With --archive-dir alone: every tenant in that folder."""
    tenant, config = _where(settings, tenant, archive_dir, error_code=2, need_tenant=False)
    console = Console()
    with _open_archive(archive_dir, config, error_code=2, seal_key_file=seal_key_file,
                       anchor_file=anchor_file) as archive:
        report = archive.verify(tenant)
        if key_the_seal and all(p.kind in ("unproven", "unsealed") for p in report.problems):
            written = archive.key_the_seal(tenant)
            console.print(f"Keyed the seal: {written} links written with the key.")
            report = archive.verify(tenant)
    for note in report.notes:
        console.print(note, markup=False, highlight=False)
    scope = f"tenant {tenant}" if tenant else "all tenants"
    if report.sealed:
        console.print(
            f"Sealed the index of {report.sealed} invoices archived before the index seal"
            " existed; their rows are proven from now on."
        )
    if report.ok:
        console.print(
            f"Verified {report.checked} archived invoices ({scope}): "
            "all files present and unaltered, the index matches the invoices and its seal."
        )
        return
    table = Table(title="Archive problems")
    for name in ("Tenant", "Invoice", "File", "Problem", "Detail"):
        table.add_column(name, no_wrap=name != "Detail")
    for p in report.problems:
        table.add_row(p.tenant, p.invoice_number, p.file, p.kind.upper(), p.detail)
    console.print(table)
    files = [p for p in report.problems if p.file != "index"]
    missing = sum(p.kind == "missing" for p in files)
    altered = len(files) - missing
    rows = len(report.problems) - len(files)
    console.print(
        f"Checked {report.checked} archived invoices ({scope}): "
        f"{missing} missing and {altered} altered files, {rows} index problems."
    )
    raise typer.Exit(1)


def archive_migrate(
    to: Annotated[Path, typer.Option(
        "--to", help="Settings TOML of the target archive (e.g. PostgreSQL + S3).")],
    archive_dir: ArchiveDirOpt = None,
    settings: SettingsOpt = None,
) -> None:
    """Copy the archive (--settings, or --archive-dir) to the one --to configures, verified.

    Safe to repeat; exits 1 if the target does not hold every invoice unaltered afterwards.
    """
    from archive.migrate import copy_archive

    _, config = _where(settings, None, archive_dir, error_code=2, need_tenant=False)
    try:
        target_config = load_settings(to)
    except InvalidInput as exc:
        _fail(str(exc), 2)
    with _open_archive(archive_dir, config, error_code=2) as source, \
            _open_archive(None, target_config, error_code=2) as target:
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


def archive_seal_key(
    key_file: Annotated[Path, typer.Argument(
        help="Where to write the new key: outside the archive, readable by its writers only.")],
) -> None:
    """Make a new key for the archive's seal (mode 0600); point the settings'
    archive.seal_key_file at it. Keep a copy somewhere safe: without the key the seal cannot be
    proven."""
    try:
        key = create_key_file(key_file)
    except (ArchiveError, OSError) as exc:
        _fail(str(exc))
    typer.echo(f"wrote a new seal key (id {key.key_id}) to {key_file}; set archive."
               f"seal_key_file = \"{key_file}\" in the settings and keep a copy elsewhere")


def _write(out: Path, data: bytes, force: bool) -> None:
    """Write `data` to `out`; without `force` the file must not exist (checked atomically)."""
    if not force:
        with out.open("xb") as f:
            f.write(data)
        return
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)


archive_app = typer.Typer(help="The archive of issued invoices.", no_args_is_help=True)
archive_app.command("get")(archive_get)
archive_app.command("list")(archive_list)
archive_app.command("verify")(archive_verify)
archive_app.command("migrate")(archive_migrate)
archive_app.command("seal-key")(archive_seal_key)
