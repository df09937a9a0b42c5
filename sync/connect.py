"""Connect to Uniconta for one tenant: the transport client, and the posting engine over it.

With no `uniconta.gateway_url` in the settings, the built-in Uniconta emulator is started
on a free loopback port with its state in `<state_dir>/emulator.sqlite` — the embedded
default that lets the samples run on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from faktura.settings import Settings
from sync.posting.engine import SyncEngine
from sync.posting.ledger import LEDGER_FILE, Ledger
from sync.posting.log import SyncLog
from sync.uniconta.gateway import GatewayClient


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
            from sync.uniconta.rest import RestClient

            client_class = RestClient  # type: ignore[assignment]
        client = stack.enter_context(client_class(
            base_url, settings.integration.username, settings.integration.password,
            company))
        yield client


@contextmanager
def open_engine(settings: Settings) -> Iterator[SyncEngine]:
    with ExitStack() as stack:
        client = stack.enter_context(open_gateway(settings))
        ledger = Ledger(settings.database(LEDGER_FILE))
        stack.callback(ledger.close)
        log = SyncLog(settings.state_dir / "sync-log.jsonl", settings.tenant)
        yield SyncEngine(client, ledger, settings, log)
