"""`faktura serve` and `faktura apikey create|list|revoke` (plain functions the CLI root registers).

    faktura serve [--host 127.0.0.1] [--port 8000] [--settings FILE|DIR] [--workers N]
                  [--max-batches 200] [--max-batch-mib 200] [--keep-batches-days 7]
                  [--render-workers N] [--render-queue N] [--render-time-limit S]
                  [--render-memory-mib M] [--header-timeout S] [--body-timeout S]
                  [--max-connections N] [--max-connections-per-client N]
                  [--trusted-proxy ADDRESS ...]
    faktura apikey create [--tenant NAME] [--settings FILE|DIR] [--label TEXT]
    faktura apikey list [--tenant NAME] [--settings FILE|DIR]
    faktura apikey revoke KEY_ID [--settings FILE|DIR]

The key commands import no web framework and no renderer: they start at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infra.tenant_settings import TenantRegistry
from faktura.errors import InvalidInput, Problem
from infra.settings_files import SETTINGS_HELP, find_settings

SettingsOpt = Annotated[Path | None, typer.Option(
    help=f"{SETTINGS_HELP}; or a folder of <tenant>.toml files", show_default=False)]


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    settings: SettingsOpt = None,
    workers: Annotated[int | None, typer.Option(
        help="Render workers a batch keeps busy (default: all; 0: one invoice at a time)",
        min=0, show_default=False)] = None,
    max_batches: Annotated[int, typer.Option(
        help="Batches kept per tenant; more are refused (429)", min=1)] = 200,
    max_batch_mib: Annotated[int, typer.Option(
        help="Stored batch requests and results per tenant, in MiB", min=1)] = 200,
    keep_batches_days: Annotated[float, typer.Option(
        help="Days a finished batch is kept before it is deleted", min=0)] = 7,
    render_workers: Annotated[int, typer.Option(
        help="Render worker processes (0: one per core)", min=0)] = 0,
    render_queue: Annotated[int, typer.Option(
        help="Renders that may wait per worker; more get 503 with Retry-After", min=0)] = 8,
    render_time_limit: Annotated[float, typer.Option(
        help="Seconds one render may take; longer: 422, worker replaced", min=0.1)] = 60.0,
    render_memory_mib: Annotated[int, typer.Option(
        help="Resident MiB a render worker may use; more: 422, worker replaced",
        min=64)] = 768,
    header_timeout: Annotated[float, typer.Option(
        help="Seconds a client may take to send a request's head (and stay idle between"
        " requests); slower: 408, connection closed", min=0.1)] = 10.0,
    body_timeout: Annotated[float, typer.Option(
        help="Seconds a client may take to send a request's body; slower: 408, connection"
        " closed", min=0.1)] = 60.0,
    max_connections: Annotated[int, typer.Option(
        help="Open connections in all; more: 503, closed at once", min=1)] = 1000,
    max_connections_per_client: Annotated[int, typer.Option(
        help="Open connections from one address (trusted proxies excepted); more: 503",
        min=1)] = 50,
    trusted_proxy: Annotated[list[str] | None, typer.Option(
        help="Address or network of a reverse proxy whose X-Forwarded-Proto and"
        " X-Forwarded-For are believed (repeat for several; env FAKTURA_TRUSTED_PROXIES,"
        " comma-separated)", envvar="FAKTURA_TRUSTED_PROXIES", show_default=False)] = None,
) -> None:
    """Serve the bookkeepers' pages (at /) and the HTTP API (docs at /docs) until interrupted."""
    from datetime import timedelta

    from api.batch_quota import BatchQuota, MiB

    registry = TenantRegistry.load(find_settings(settings))
    from issuing.doctor import startup_warnings

    for line in startup_warnings(list(registry.settings.values())):  # `faktura doctor`: all
        typer.echo(f"warning: {line}", err=True)
    quota = BatchQuota(max_batches=max_batches, max_bytes=max_batch_mib * MiB,
                       keep_finished=timedelta(days=keep_batches_days))

    import uvicorn

    from api.app import create_app
    from api.server import ConnectionLimits, server_config
    from issuing.renderpool import PoolLimits

    limits = PoolLimits(workers=render_workers, queue_per_worker=render_queue,
                        time_limit=render_time_limit, memory_limit=render_memory_mib * MiB)
    proxies = tuple(p.strip() for value in trusted_proxy or () for p in value.split(",")
                    if p.strip())
    app = create_app(registry, batch_workers=workers, batch_quota=quota, render_limits=limits,
                     trusted_proxies=proxies)
    connections = ConnectionLimits(header_timeout=header_timeout, body_timeout=body_timeout,
                                   max_connections=max_connections,
                                   max_per_client=max_connections_per_client,
                                   exempt=proxies)
    server = uvicorn.Server(server_config(app, host, port, log_level="info",
                                          limits=connections))
    server.run()
    if not server.started:  # e.g. the port is taken: uvicorn has said why
        raise typer.Exit(3)


def _registry_and_tenant(settings: Path | None, tenant: str | None
                         ) -> tuple[TenantRegistry, str | None]:
    path = find_settings(settings)
    registry = TenantRegistry.load(path)
    served = ", ".join(sorted(registry.settings))
    if tenant is not None and registry.get(tenant) is None:
        raise InvalidInput(str(path), [Problem(
            "tenant", f"no such tenant in these settings (tenants: {served})")])
    return registry, tenant


def apikey_create_command(
    tenant: Annotated[str | None, typer.Option(
        "--tenant", help="The tenant the key belongs to (default: the settings' only tenant)",
        show_default=False)] = None,
    settings: SettingsOpt = None,
    label: Annotated[str, typer.Option(help="A note: who or what uses the key")] = "",
) -> None:
    """Create an API key for one tenant and print it (only its SHA-256 hash is stored)."""
    from api.keys import KeyStore

    registry, tenant = _registry_and_tenant(settings, tenant)
    if tenant is None:
        if len(registry.settings) != 1:
            raise InvalidInput("--tenant", [Problem("tenant", "these settings serve several"
                                                    f" tenants ({', '.join(registry.settings)})"
                                                    ": choose one with --tenant")])
        tenant = next(iter(registry.settings))
    store = KeyStore(registry.key_store_path)
    try:
        key, info = store.create(tenant, label)
    finally:
        store.close()
    typer.echo(key)
    typer.echo(f"key id {info.key_id} for tenant {tenant}; shown only now, store it safely",
               err=True)


def apikey_list_command(
    tenant: Annotated[str | None, typer.Option(
        "--tenant", help="Only this tenant's keys", show_default=False)] = None,
    settings: SettingsOpt = None,
) -> None:
    """List the API keys: id, tenant, label, created, revoked (never the keys themselves)."""
    from rich.console import Console
    from rich.table import Table

    from api.keys import KeyStore

    registry, tenant = _registry_and_tenant(settings, tenant)
    store = KeyStore(registry.key_store_path)
    try:
        keys = store.keys(tenant)
    finally:
        store.close()
    if not keys:
        typer.echo("No API keys yet: create one with `faktura apikey create`.")
        return
    table = Table("Key id", "Tenant", "Label", "Created (UTC)", "State")
    for k in keys:
        table.add_row(k.key_id, k.tenant, k.label, k.created_at.strftime("%Y-%m-%d %H:%M"),
                      "revoked" if k.revoked else "active", style="dim" if k.revoked else None)
    Console().print(table)


def apikey_revoke_command(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `faktura apikey list`)",
                                          show_default=False)],
    settings: SettingsOpt = None,
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    from api.keys import KeyStore

    registry, _ = _registry_and_tenant(settings, None)
    store = KeyStore(registry.key_store_path)
    try:
        found = store.revoke(key_id)
    finally:
        store.close()
    if not found:
        raise InvalidInput("key id", [Problem("", f"no API key with id {key_id}"
                                              " (see `faktura apikey list`)")])
    typer.echo(f"revoked key {key_id}")


apikey_app = typer.Typer(help="API keys for the pages and the HTTP API.", no_args_is_help=True)
apikey_app.command("create")(apikey_create_command)
apikey_app.command("list")(apikey_list_command)
apikey_app.command("revoke")(apikey_revoke_command)
