"""Open the archive the settings choose: index in SQLite or PostgreSQL, files in a folder or S3.

Blank `database_url` and `[object_store]` give the embedded default, `LocalArchive` under
`archive_dir`. A database URL moves the index to that database; an object-store bucket moves
the files to that bucket. Either can be chosen without the other.
"""

from __future__ import annotations

from archive.anchor import Anchor
from archive.blobs import LocalBlobStore
from archive.core import Archive
from archive.index import SqlIndex
from archive.local import INDEX_FILE, LocalArchive
from archive.seal_key import SealKey, SealKeyError, seal_key
from archive.store import BlobStore
from infra.private import private_dir
from faktura.settings import Settings


def is_local(settings: Settings) -> bool:
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
    if is_local(settings) and anchor_file.resolve().is_relative_to(
            settings.archive_dir.resolve()):
        raise SealKeyError("archive.anchor_file: the anchor must be kept outside the archive"
                           " folder (whoever removes entries there could move it back)")
    return key, Anchor(anchor_file, key)


def open_archive(settings: Settings) -> Archive:
    """The archive for these settings (close it when done, or use it as a context manager)."""
    key, anchor = open_seal(settings)
    if is_local(settings):
        return LocalArchive(settings.archive_dir, seal_key=key, anchor=anchor)
    if settings.database_url is not None:
        index = SqlIndex(settings.database_url.get_secret_value())
    else:
        index = SqlIndex(private_dir(settings.archive_dir) / INDEX_FILE)
    return Archive(open_blobs(settings), index, seal_key=key, anchor=anchor)


def describe_archive(settings: Settings) -> str:
    """Where the archive is, without secrets (for messages)."""
    if is_local(settings):
        return str(settings.archive_dir)
    from infra.database import describe

    index = (describe(settings.database_url.get_secret_value()) if settings.database_url
             else str(settings.archive_dir / INDEX_FILE))
    files = (f"s3://{settings.object_store.bucket}/{settings.object_store.prefix}"
             if settings.object_store.bucket else str(settings.archive_dir))
    return f"index {index}, files {files}"
