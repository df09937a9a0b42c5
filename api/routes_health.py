"""`GET /healthz`: the server is up (no authentication, reveals no tenant)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import State
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz(state: State) -> Health:
    """Liveness: 200 while the server runs."""
    return Health(status="ok", tenants=len(state.registry.settings))
