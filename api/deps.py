"""Request dependencies: the caller's tenant (from the API key) and its services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from api.auth import KeyInfo, authenticate, bearer
from api.requestlog import note_tenant
from api.state import AppState
from api.tenants import TenantServices


def app_state(request: Request) -> AppState:
    """The running app's state."""
    state: AppState = request.app.state.faktura
    return state


def current_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> KeyInfo:
    """The valid API key of this request (else 401)."""
    return authenticate(request, credentials)


def tenant_services(
    request: Request,
    key: Annotated[KeyInfo, Depends(current_key)],
    state: Annotated[AppState, Depends(app_state)],
) -> TenantServices:
    """The services of the caller's tenant; nothing else is reachable from a request."""
    services = state.services(key)
    note_tenant(request.scope, services.tenant)
    return services


Tenant = Annotated[TenantServices, Depends(tenant_services)]
State = Annotated[AppState, Depends(app_state)]
