"""Per-tenant batch quotas and expiry, on the files store and on a SQLite `database_url`.

The same checks run on PostgreSQL in `scaleout/test_api_batch_quota_postgres.py`.
"""

from __future__ import annotations

import doctest
import time
from pathlib import Path

import pytest
from batch_quota_checks import (
    check_expiry,
    check_quota_by_count,
    check_quota_by_size,
    check_unfinished_never_expire,
)

STORES = ["files", "sqlite", "files-slow-disk"]
#: How long each fsync takes on the slow disk: a loaded machine's, made certain.
SLOW_FSYNC = 0.2


def _url(tmp: Path, store: str) -> str | None:
    return None if store.startswith("files") else f"sqlite:///{tmp / 'faktura.sqlite'}"


@pytest.fixture(autouse=True)
def _slow_disk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """On `files-slow-disk` every fsync of a store file takes `SLOW_FSYNC` seconds: a write
    stays in flight (its `.part` file present) while the checks look, as under load."""
    if getattr(request.node, "callspec", None) is None or request.node.callspec.params.get(
            "store") != "files-slow-disk":
        return
    import infra.atomic

    real_fsync = infra.atomic.os.fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(SLOW_FSYNC)
        real_fsync(fd)

    monkeypatch.setattr(infra.atomic.os, "fsync", slow_fsync)


@pytest.mark.parametrize("store", STORES)
def test_a_batch_over_the_count_quota_is_429_and_stores_nothing(tmp_path: Path,
                                                                store: str) -> None:
    check_quota_by_count(tmp_path, _url(tmp_path, store))


@pytest.mark.parametrize("store", STORES)
def test_a_batch_over_the_size_quota_is_429_and_stores_nothing(tmp_path: Path,
                                                               store: str) -> None:
    check_quota_by_size(tmp_path, _url(tmp_path, store))


@pytest.mark.parametrize("store", STORES)
def test_finished_batches_expire_with_their_files_and_rows(tmp_path: Path, store: str) -> None:
    check_expiry(tmp_path, _url(tmp_path, store))


@pytest.mark.parametrize("store", STORES)
def test_unfinished_batches_never_expire(tmp_path: Path, store: str) -> None:
    check_unfinished_never_expire(tmp_path, _url(tmp_path, store))


def test_the_quota_examples_hold() -> None:
    import api.batch_quota

    result = doctest.testmod(api.batch_quota, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
