"""`GET /healthz`: the server is up (no authentication, reveals no tenant)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.schemas import Health
from api.state import AppState

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz(request: Request) -> Health:
    """Liveness: 200 while the server runs (answered on the event loop: it needs no thread,
    so a server whose threads are all busy still answers)."""
    state: AppState = request.app.state.faktura
    return Health(status="ok", tenants=len(state.registry.settings))
