"""Basic authentication, the call budget gate and company resolution for gateway routes."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request

from sync.emulator.errors import UnicontaError
from sync.emulator.rules import CompanyContext
from sync.emulator.settings import EmulatorSettings, EmulatorUser


class StatusOnly(Exception):  # noqa: N818 - mirrors an HTTP outcome, not an error condition
    """Answer with this status and an empty body (401, 404)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise StatusOnly(401)
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise StatusOnly(401) from None
    login, sep, password = decoded.partition(":")
    if not sep:
        raise StatusOnly(401)
    return login, password


def authenticate(request: Request) -> EmulatorUser:
    """The logged-in user; also spends one unit of the call budget (``SlowDown`` when gone)."""
    settings: EmulatorSettings = request.app.state.settings
    login, password = _credentials(request)
    user = settings.user(login)
    if user is None or user.password != password:
        raise UnicontaError("UserOrPasswordIsWrong", status=403)
    refused = request.app.state.runtime.gate()
    if refused:
        raise UnicontaError(refused)
    request.state.user = user
    return user


def require_rights(request: Request, entity: str) -> None:
    """``NoRights`` when the authenticated user's rights do not reach the table ``entity``."""
    user: EmulatorUser | None = getattr(request.state, "user", None)
    if user is not None and not user.may_use(entity):
        raise UnicontaError("NoRights")


def company_context(request: Request, company_id: str) -> CompanyContext:
    """Authenticate and open a granted company (unknown/not granted/non-numeric ⇒ 404)."""
    user = authenticate(request)
    try:
        cid = int(company_id)
    except ValueError:
        raise StatusOnly(404) from None
    store = request.app.state.store
    info = store.company(cid) if cid in user.companies else None
    if info is None:
        raise StatusOnly(404)
    return CompanyContext(store, cid, info, request.app.state.runtime.faults)
