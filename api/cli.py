"""`faktura serve` and `faktura apikey create` (plain functions the CLI root registers).

    faktura serve [--host 127.0.0.1] [--port 8000] [--settings FILE|DIR] [--workers N]
    faktura apikey create --tenant NAME [--settings FILE|DIR] [--label TEXT]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.tenants import TenantRegistry

DEFAULT_SETTINGS = Path("samples/settings.toml")
SettingsOpt = Annotated[Path, typer.Option(
    help="A settings file (one tenant) or a folder of <tenant>.toml files")]


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    settings: SettingsOpt = DEFAULT_SETTINGS,
    workers: Annotated[int | None, typer.Option(
        help="Render processes for batches (default: one per core; 0: in the server)",
        min=0, show_default=False)] = None,
) -> None:
    """Serve the HTTP API (docs at /docs) until interrupted."""
    import uvicorn

    from api.app import create_app

    app = create_app(settings, batch_workers=workers)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def apikey_create_command(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant the key belongs to")],
    settings: SettingsOpt = DEFAULT_SETTINGS,
    label: Annotated[str, typer.Option(help="A note: who or what uses the key")] = "",
) -> None:
    """Create an API key for one tenant and print it (only its SHA-256 hash is stored)."""
    from api.auth import KeyStore
    from faktura.errors import InvalidInput, Problem

    registry = TenantRegistry.load(settings)
    if registry.get(tenant) is None:
        served = ", ".join(sorted(registry.settings))
        raise InvalidInput(str(settings), [Problem(
            "tenant", f"no such tenant in these settings (tenants: {served})")])
    store = KeyStore(registry.key_store_path)
    try:
        key, info = store.create(tenant, label)
    finally:
        store.close()
    typer.echo(key)
    typer.echo(f"key id {info.key_id} for tenant {tenant}; shown only now, store it safely",
               err=True)
