"""Wire the pieces for one tenant: gateway client, ledger, sync log, engine, archive, issuer.

With no `uniconta.gateway_url` in the settings, the built-in Uniconta emulator is started
on a free loopback port with its state in `<state_dir>/emulator.sqlite` — the embedded
default that lets the samples run on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from archive import LocalArchive
from faktura.issuing import Issuer
from faktura.settings import Settings
from renderer.render import Renderer
from sync.engine import SyncEngine
from sync.gateway import GatewayClient
from sync.ledger import Ledger
from sync.log import SyncLog


@contextmanager
def open_gateway(settings: Settings) -> Iterator[GatewayClient]:
    """A client for the configured gateway, or for a built-in emulator started for it."""
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
            from sync.rest import RestClient

            client_class = RestClient  # type: ignore[assignment]
        client = stack.enter_context(client_class(
            base_url, settings.integration.username, settings.integration.password,
            company))
        yield client


@contextmanager
def open_engine(settings: Settings) -> Iterator[SyncEngine]:
    with ExitStack() as stack:
        client = stack.enter_context(open_gateway(settings))
        ledger = Ledger(settings.state_dir / "ledger.sqlite")
        stack.callback(ledger.close)
        log = SyncLog(settings.state_dir / "sync-log.jsonl", settings.tenant)
        yield SyncEngine(client, ledger, settings, log)


@contextmanager
def open_issuer(settings: Settings, renderer: Renderer | None = None) -> Iterator[Issuer]:
    """An Issuer for the settings' tenant; everything it opened is closed on exit."""
    with ExitStack() as stack:
        engine = stack.enter_context(open_engine(settings))
        archive = LocalArchive(settings.archive_dir)
        stack.callback(archive.close)
        yield Issuer(settings, poster=engine, archive=archive, renderer=renderer)
