"""The keyed seal on the scale-out backends: index on PostgreSQL, files and seal on S3 (moto),
the key and the anchor in files elsewhere. Someone with write access to the bucket and the
database, but not to the key, can neither recompute a link nor remove the newest invoice
unseen."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import boto3
import sqlalchemy as sa

from archive import Archive
from archive.anchor import Anchor
from archive.index import SqlIndex
from archive.s3 import S3BlobStore
from archive.seal import chain_key
from archive.seal_key import create_key_file
from test_backends import _item

TENANT = "revisorhuset"


def test_a_recomputed_link_and_the_newest_invoice_removed_are_reported_on_s3_and_postgresql(
        s3_env: str, s3_endpoint: str, pg_url: str, tmp_path: Path) -> None:
    key = create_key_file(tmp_path / "keys" / "seal.key")
    anchor = Anchor(tmp_path / "elsewhere" / "anchor.json", key)

    def archive() -> Archive:
        store = S3BlobStore.connect(bucket=s3_env, endpoint_url=s3_endpoint, create=True)
        return Archive(store, SqlIndex(pg_url), seal_key=key, anchor=anchor)

    with archive() as first:
        for number in ("7201", "7202", "7203"):
            first.put(_item(number))
        assert first.verify(TENANT).ok
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-north-1")

    # The newest invoice removed entirely: row, link and files.
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM archive_entries WHERE invoice_number = '7203'"))
    engine.dispose()
    for name in (chain_key(TENANT, 3), f"{TENANT}/2026/7203.pdf", f"{TENANT}/2026/7203.json"):
        s3.delete_object(Bucket=s3_env, Key=name)
    with archive() as second:
        report = second.verify(TENANT)
    assert [(p.invoice_number, p.kind) for p in report.problems] == [("7203", "deleted")]

    # Link 2 recomputed without the key (its old HMAC kept), the chain made whole after it.
    link = json.loads(s3.get_object(Bucket=s3_env, Key=chain_key(TENANT, 2))["Body"].read())
    link["entry_sha256"] = hashlib.sha256(b"another total").hexdigest()
    data = json.dumps(link, sort_keys=True).encode()
    s3.put_object(Bucket=s3_env, Key=chain_key(TENANT, 2), Body=data)
    with archive() as third:
        report = third.verify(TENANT)
    kinds = [(p.invoice_number, p.kind) for p in report.problems]
    assert ("-", "broken") in kinds
    assert any("link 2" in p.detail and "without the key" in p.detail
               for p in report.problems)
