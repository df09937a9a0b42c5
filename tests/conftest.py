"""Shared fixtures. Emulator fixtures: a live Uniconta gateway emulator on 127.0.0.1.

* ``emulator`` — function scope, default settings, fresh seeded state for every test; yields an
  :class:`sync.emulator.testing.EmulatorHandle` (``base_url``, ``login``, ``password``,
  ``company_id``, ``client`` (authenticated httpx.Client), ``set_faults``, ``stats``, ...).
  One server serves the whole session; before each test it is reset through
  ``POST /_emulator/reset-state`` (state wiped and re-seeded, faults and counters restored).
* ``emulator_server`` — the session-wide :class:`sync.emulator.server.RunningEmulator`.
* ``emulator_factory`` — call it with ``settings=EmulatorSettings(...)`` and/or ``state_path=``
  to start (several) emulators with custom settings; all are stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from sync.emulator.server import RunningEmulator, running_emulator
from sync.emulator.settings import EmulatorSettings
from sync.emulator.testing import EmulatorHandle

if TYPE_CHECKING:
    from faktura.settings import Settings
    from renderer.render import Renderer

EmulatorFactory = Callable[..., EmulatorHandle]


@pytest.fixture
def emulator_factory(tmp_path: Path) -> Iterator[EmulatorFactory]:
    """Start emulators on demand; each is stopped at the end of the test."""
    with ExitStack() as stack:

        def start(
            settings: EmulatorSettings | None = None, state_path: Path | None = None
        ) -> EmulatorHandle:
            path = state_path or tmp_path / "uniconta-emulator.sqlite"
            running = stack.enter_context(running_emulator(path, settings))
            client = stack.enter_context(
                httpx.Client(base_url=running.base_url, auth=running.auth, timeout=30)
            )
            return EmulatorHandle(running, client)

        yield start


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One emulator (default settings) for the session; use ``emulator`` for a clean state."""
    path = tmp_path_factory.mktemp("uniconta-emulator") / "state.sqlite"
    with running_emulator(path) as running:
        yield running


@pytest.fixture
def emulator(emulator_server: RunningEmulator) -> Iterator[EmulatorHandle]:
    """A freshly reset, seeded emulator with default settings."""
    with httpx.Client(
        base_url=emulator_server.base_url, auth=emulator_server.auth, timeout=30
    ) as client:
        handle = EmulatorHandle(emulator_server, client)
        handle.reset_state()
        yield handle


@pytest.fixture(scope="session")
def issued_outside(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A folder outside the repo where `faktura batch samples/` issued the six samples, with
    only FAKTURA_SETTINGS set: (that folder, the settings file). See `people_support`."""
    from people_support import SAMPLES, faktura, settings_outside

    folder = tmp_path_factory.mktemp("elsewhere")
    settings = settings_outside(folder)
    done = faktura(folder, settings, "batch", SAMPLES, "--out", "out", "--workers", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    yield folder, settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    """The bundled samples' settings (a module's own `settings` fixture takes precedence)."""
    from infra.settings_files import load_settings

    return load_settings(Path(__file__).resolve().parent.parent / "samples" / "settings.toml")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    """A renderer for the module's tests (WeasyPrint is imported only by tests that ask)."""
    from renderer.render import Renderer

    return Renderer()
