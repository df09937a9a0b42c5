"""Per-tenant batch quotas and expiry with the batch records in PostgreSQL (`database_url`).

The checks are those `test_api_batch_quota.py` runs on files and SQLite.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the API tests' helpers

from batch_quota_checks import (  # noqa: E402
    check_expiry,
    check_quota_by_count,
    check_quota_by_size,
    check_unfinished_never_expire,
)


def test_a_batch_over_the_count_quota_is_429_and_stores_nothing(tmp_path: Path,
                                                                pg_url: str) -> None:
    check_quota_by_count(tmp_path, pg_url)


def test_a_batch_over_the_size_quota_is_429_and_stores_nothing(tmp_path: Path,
                                                               pg_url: str) -> None:
    check_quota_by_size(tmp_path, pg_url)


def test_finished_batches_expire_with_their_rows(tmp_path: Path, pg_url: str) -> None:
    check_expiry(tmp_path, pg_url)


def test_unfinished_batches_never_expire(tmp_path: Path, pg_url: str) -> None:
    check_unfinished_never_expire(tmp_path, pg_url)
