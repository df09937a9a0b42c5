"""`S3BlobStore`: write-once objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, moto).

Each object is written once: `PutObject` with `If-None-Match: *`, so the store itself refuses
to replace an existing key, in one request (no `HeadObject` first: the condition is the
check, and a second look would only cost a round trip per object). The store must honour the
condition (AWS S3, MinIO, Ceph RGW and moto do). Every object carries its SHA-256 (as the
checksum S3 verifies on upload, and as metadata) and `get` checks the bytes against it. When the bucket has object lock enabled and
`retention_days` is set, each object is put under compliance-mode retention, so not even the
bucket's owner can delete or overwrite it before the date.

Credentials come from boto3's usual chain (environment, profile, instance role); they are
never logged or put in an error message.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from archive.blobs import check_key
from archive.store import ArchiveDamaged

_SHA_META = "sha256"


class S3BlobStore:
    """Blobs as objects `<prefix><key>` in `bucket`."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "",
                 retention_days: int = 0) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.retention_days = retention_days

    @classmethod
    def connect(cls, *, bucket: str, endpoint_url: str | None = None, region: str = "eu-north-1",
                prefix: str = "", retention_days: int = 0, create: bool = False) -> S3BlobStore:
        """A store over a boto3 client (credentials from the environment)."""
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region,
                              config=Config(retries={"max_attempts": 5, "mode": "standard"}))
        store = cls(client, bucket, prefix=prefix, retention_days=retention_days)
        if create:
            store.create_bucket(region)
        return store

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def create_bucket(self, region: str) -> None:
        """Create the bucket if it does not exist (with object lock when retention is set)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError:
            pass
        args: dict[str, Any] = {"Bucket": self.bucket}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        if self.retention_days:
            args["ObjectLockEnabledForBucket"] = True
        with contextlib.suppress(self.client.exceptions.BucketAlreadyOwnedByYou):
            self.client.create_bucket(**args)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Store `data` under `key` unless an object is there; True if this call stored it."""
        from botocore.exceptions import ClientError

        name = self._name(key)
        digest = hashlib.sha256(data).digest()
        args: dict[str, Any] = {
            "Bucket": self.bucket, "Key": name, "Body": data, "IfNoneMatch": "*",
            "ChecksumAlgorithm": "SHA256",
            "ChecksumSHA256": base64.b64encode(digest).decode("ascii"),
            "Metadata": {_SHA_META: digest.hex()},
        }
        if self.retention_days:
            args["ObjectLockMode"] = "COMPLIANCE"
            args["ObjectLockRetainUntilDate"] = (
                datetime.now(UTC) + timedelta(days=self.retention_days))
        try:
            self.client.put_object(**args)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False  # someone else stored it first; the caller compares contents
            raise
        return True

    def get(self, key: str) -> bytes:
        """The object's bytes, checked against its recorded SHA-256; `KeyError` if absent."""
        from botocore.exceptions import ClientError

        name = self._name(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise
        data: bytes = answer["Body"].read()
        recorded = answer.get("Metadata", {}).get(_SHA_META)
        if recorded and hashlib.sha256(data).hexdigest() != recorded:
            raise ArchiveDamaged(f"{self}{key}: the bytes read do not match the object's SHA-256")
        return data

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def keys(self) -> list[str]:
        """Every key in the store (without the prefix)."""
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            found.extend(obj["Key"][len(self.prefix):] for obj in page.get("Contents", []))
        return found
