"""Fixtures of the sync-core tests (see `sync_support`). The `emulator` fixture (a freshly
reset, seeded emulator on 127.0.0.1) comes from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sync_support import MakeStack, SyncStack, make_settings, open_stack

from faktura.settings import Settings
from sync.emulator.testing import EmulatorHandle


@pytest.fixture
def make_stack(emulator: EmulatorHandle, tmp_path: Path) -> Iterator[MakeStack]:
    """`make_stack(settings=None, *, integration=..., uniconta=..., **top)`: a new sync stack
    (new client, same ledger/archive files unless the settings say otherwise), closed after
    the test. Several stacks on one tmp_path are successive runs of the same tenant."""
    with ExitStack() as stack:

        def make(settings: Settings | None = None, **changes: Any) -> SyncStack:
            if settings is None:
                settings = make_settings(emulator.base_url, tmp_path, **changes)
            return open_stack(stack, emulator, settings)

        yield make


@pytest.fixture
def sync_stack(make_stack: MakeStack) -> SyncStack:
    return make_stack()
