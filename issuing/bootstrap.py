"""The composition root: a process's parts (Uniconta transport, posting engine, archive,
issuer) built from one tenant's settings, and closed together.

Every kind of process builds its parts here and nowhere else: the CLI commands, the API
server (per tenant, `api.tenants`) and the Celery worker (`issuing.queue`). Settings are read
at the edge and passed in; the adapters' own constructors take plain values.

Embedded defaults: with no `uniconta.gateway_url` the built-in Uniconta emulator is started on
a free loopback port with its state in `<state_dir>/emulator.sqlite`; with blank
`database_url` and `[object_store]` the archive is `LocalArchive` under `archive_dir`. A
database URL moves the archive's index to that database; an object-store bucket moves its files
to that bucket (either without the other).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.anchor import Anchor
from archive.blobs import LocalBlobStore
from archive.core import Archive
from archive.index import SqlIndex
from archive.local import INDEX_FILE, LocalArchive
from archive.seal_key import SealKey, SealKeyError, seal_key
from archive.store import ArchiveStore, BlobStore
from faktura.settings import Settings
from infra.private import private_dir

if TYPE_CHECKING:  # the transports, delivery and the renderer load on first use (quick commands)
    from delivery import Outbox
    from delivery.payments import PaymentStatusStore
    from issuing.pipeline import Issuer
    from renderer.render import Renderer
    from sync.posting.engine import SyncEngine
    from sync.uniconta.gateway import GatewayClient


# --- Uniconta -------------------------------------------------------------------------------

@contextmanager
def open_gateway(settings: Settings) -> Iterator[GatewayClient]:
    """A client for the configured gateway, or for a built-in emulator started for it."""
    from sync.uniconta.gateway import GatewayClient

    with ExitStack() as stack:
        base_url = settings.uniconta.gateway_url
        if not base_url:
            from sync.emulator.server import running_emulator

            emulator = stack.enter_context(
                running_emulator(settings.state_dir / "emulator.sqlite"))
            base_url = emulator.base_url
        company: int | str = settings.uniconta.company_id or settings.integration.company
        client_class = GatewayClient
        if settings.uniconta.transport == "rest":  # the emulator serves both contracts
            from sync.uniconta.rest import RestClient

            client_class = RestClient  # type: ignore[assignment]
        client = stack.enter_context(client_class(
            base_url, settings.integration.username, settings.integration.password,
            company))
        yield client


@contextmanager
def open_engine(settings: Settings) -> Iterator[SyncEngine]:
    """The exactly-once posting engine over `open_gateway`, with the tenant's ledger and log."""
    from sync.posting.engine import SyncEngine
    from sync.posting.ledger import LEDGER_FILE, Ledger
    from sync.posting.log import SyncLog

    with ExitStack() as stack:
        client = stack.enter_context(open_gateway(settings))
        ledger = Ledger(settings.database(LEDGER_FILE))
        stack.callback(ledger.close)
        log = SyncLog(settings.state_dir / "sync-log.jsonl", settings.tenant)
        yield SyncEngine(client, ledger, settings, log)


# --- Archive --------------------------------------------------------------------------------

def is_local_archive(settings: Settings) -> bool:
    """Whether the settings choose the embedded default archive (folder + SQLite)."""
    return settings.database_url is None and not settings.object_store.bucket


def open_blobs(settings: Settings, *, create: bool = True) -> BlobStore:
    """The archive's file store for these settings."""
    store = settings.object_store
    if not store.bucket:
        return LocalBlobStore(private_dir(settings.archive_dir))
    from archive.s3 import S3BlobStore

    return S3BlobStore.connect(bucket=store.bucket, endpoint_url=store.endpoint_url,
                               region=store.region, prefix=store.prefix,
                               retention_days=store.retention_days, create=create)


def open_seal(settings: Settings) -> tuple[SealKey | None, Anchor | None]:
    """The seal's key and anchor the settings give (`[archive]`)."""
    key = seal_key(settings)
    anchor_file = settings.archive.anchor_file
    if anchor_file is None:
        return key, None
    if is_local_archive(settings) and anchor_file.resolve().is_relative_to(
            settings.archive_dir.resolve()):
        raise SealKeyError("archive.anchor_file: the anchor must be kept outside the archive"
                           " folder (whoever removes entries there could move it back)")
    return key, Anchor(anchor_file, key)


def open_archive(settings: Settings) -> Archive:
    """The archive for these settings (close it when done, or use it as a context manager)."""
    key, anchor = open_seal(settings)
    if is_local_archive(settings):
        return LocalArchive(settings.archive_dir, seal_key=key, anchor=anchor)
    if settings.database_url is not None:
        index = SqlIndex(settings.database_url.get_secret_value())
    else:
        index = SqlIndex(private_dir(settings.archive_dir) / INDEX_FILE)
    return Archive(open_blobs(settings), index, seal_key=key, anchor=anchor)


def describe_archive(settings: Settings) -> str:
    """Where the archive is, without secrets (for messages)."""
    if is_local_archive(settings):
        return str(settings.archive_dir)
    from infra.database import describe

    index = (describe(settings.database_url.get_secret_value()) if settings.database_url
             else str(settings.archive_dir / INDEX_FILE))
    files = (f"s3://{settings.object_store.bucket}/{settings.object_store.prefix}"
             if settings.object_store.bucket else str(settings.archive_dir))
    return f"index {index}, files {files}"


# --- Delivery ------------------------------------------------------------------------------

def open_outbox(settings: Settings) -> Outbox:
    """The tenant's outbox: in `database_url`, else `<state_dir>/delivery.sqlite`."""
    from delivery import Outbox
    from delivery.schema import DELIVERY_FILE

    return Outbox(settings.database(DELIVERY_FILE))


def open_status_store(settings: Settings) -> PaymentStatusStore:
    """The payment statuses, beside the outbox (the invoice's life after issue)."""
    from delivery.payments import PaymentStatusStore
    from delivery.schema import DELIVERY_FILE

    return PaymentStatusStore(settings.database(DELIVERY_FILE))


@contextmanager
def open_issuing_archive(settings: Settings) -> Iterator[ArchiveStore]:
    """The archive issuing writes to: with `[delivery] automatic`, each invoice put into it is
    queued in the outbox and e-mailed (closing waits for the last e-mail to be tried)."""
    with ExitStack() as stack:
        archive: ArchiveStore = open_archive(settings)
        stack.callback(archive.close)
        if settings.delivery.automatic:
            from issuing.delivery import automatic_delivery

            outbox = stack.enter_context(open_outbox(settings))
            archive = stack.enter_context(automatic_delivery(settings, archive, outbox))
        yield archive


# --- The issuing parts together -------------------------------------------------------------

@dataclass(frozen=True)
class Parts:
    """One tenant's opened parts: the posting engine, the archive (wrapped for automatic
    e-mail delivery when the settings ask for it) and the issuer over both."""

    settings: Settings
    engine: SyncEngine
    archive: ArchiveStore
    issuer: Issuer


@contextmanager
def open_parts(settings: Settings, renderer: Renderer | None = None) -> Iterator[Parts]:
    """The tenant's parts; everything opened is closed on exit. Settings naming an e-invoice
    format not on offer are refused first (`InvalidInput`), before anything is opened."""
    from einvoice.formats import check_settings
    from issuing.pipeline import Issuer

    check_settings(settings)
    with ExitStack() as stack:
        engine = stack.enter_context(open_engine(settings))
        archive = stack.enter_context(open_issuing_archive(settings))
        issuer = Issuer(settings, poster=engine, archive=archive, renderer=renderer)
        yield Parts(settings, engine, archive, issuer)


@contextmanager
def open_issuer(settings: Settings, renderer: Renderer | None = None) -> Iterator[Issuer]:
    """The issuer of `open_parts` (for callers that need nothing else)."""
    with open_parts(settings, renderer) as parts:
        yield parts.issuer
