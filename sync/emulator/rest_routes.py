"""Uniconta's official REST service (``/api/Entities/...``, reference §1.2, §2.9) over the SAME
state as the gateway routes.

Routes (paths case-sensitive as written; entity names case-insensitive)::

    GET    /api/Entities/<Entity>             all rows; ?Name=<Prop>&Value=<v> filters
    GET    /api/Entities/Read/<Entity>        the same (the reference lists both)
    POST   /api/Entities/Insert/<Entity>      one JSON object        -> the stored object
    POST   /api/Entities/InsertList/<Entity>  a JSON array           -> the stored objects
    PUT    /api/Entities/Update/<Entity>      the whole object, RowId -> the stored object
    DELETE /api/Entities/Delete/<Entity>      the object as read     -> the deleted object

* ``<Entity>`` is the ``*Client`` class name (``DebtorClient``, ``DebtorOrderLineClient``...);
  a name without ``Client`` (or an unknown one) answers 404. ``CompanyClient`` lists the
  user's companies (``PrimaryKeyId``, ``CompanyName``, ``Currency``, ``NumberOfDimensions``,
  ``Dim1``..``Dim5``, and Company information's ``Id`` (CVR), ``FIK``, ``FIKDebtorIdPart``,
  ``NationalBank``, ``IBAN``, ``SWIFT``); it is read-only.
* Auth: HTTP Basic, username ``00<CompanyId>/<LoginId>`` (the documented form). Any all-digit
  company part is read as the id, so the 7-digit zero-padded form and the bare id work too; a
  username without ``/`` opens the user's first company.
* JSON: property names only (PascalCase, as the ``*Client`` classes' public properties); nulls
  are omitted on output. Input keys are property names; a ``_Field`` key is refused (400) so a
  client that sends backing-field names is caught, not silently ignored. Unknown keys and
  server-maintained members (``KeyStr``, ``Created``...) are ignored, as a read row may be sent
  back as it is.
* Filters: each ``Name``/``Value`` pair is one filter on a property (or ``RowId``); several pairs
  AND (emulator policy; the real service documents one pair). Values use the gateway's grammar
  (exact, ``a..b``, ``a;b``, dates ``d/M-yyyy`` or ISO).
* Update replaces the whole object: members missing from the body are reset to their defaults
  (the service sends nulls omitted on read, so send back what was read). Insert, update and
  delete run the emulator's own rules (:mod:`.crud`, :mod:`.rules`): same keys, references,
  defaults and ErrorCodes as the gateway contract.
* No invoice posting, no PDF: the official service has neither (reference §1.2).

Error shape (the real one is undocumented; this one is the emulator's documented choice)::

    401  {"error": "Unauthorized"}                     no/invalid Basic header
    403  {"error": "UserOrPasswordIsWrong"}            login refused
    403  {"error": "NoRights", "message": "..."}       company unknown or not granted
    404  {"error": "UnknownEntity", "message": "..."}  entity name without Client / unknown
    400  {"error": "<ErrorCodes name>"}                Uniconta refused (KeyExists, CouldNotFind,
                                                       FieldHasinvalidValue, NoRightsToInsert...)
    400  {"error": "BadRequest", "message": "..."}     malformed JSON, bad value, bad filter
    503  {"error": "SlowDown" | "ServerIsBusy" | "UserNotLoggedIn"}   throttled: not done, retry
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from sync.emulator import crud, fixtures
from sync.emulator.auth import StatusOnly, _credentials, require_rights
from sync.emulator.entities import EntitySpec, resolve_type
from sync.emulator.errors import BadRequest, TooManyMatches, UnicontaError
from sync.emulator.filters import Predicate, parse_predicate
from sync.emulator.rules import CompanyContext, delete_row, prepare_update, store_key
from sync.emulator.settings import EmulatorUser
from sync.emulator.wire import blank_row, decode_object, encode_row

PREFIX = "/api/Entities"
COMPANY_ENTITY = "companyclient"
#: ErrorCodes answered with 503: a definite "not done", safe to retry for every method.
RETRY_CODES = frozenset({"SlowDown", "ServerIsBusy", "UserNotLoggedIn"})

Row = dict[str, Any]


class RestError(Exception):
    """An answer in this contract's error shape."""

    def __init__(self, status: int, error: str, message: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.message = message


def _error_response(status: int, error: str, message: str | None = None) -> Response:
    body: dict[str, str] = {"error": error}
    if message:
        body["message"] = message
    headers = {"WWW-Authenticate": 'Basic realm="Uniconta"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


class RestRoute(APIRoute):
    """Maps the emulator's exceptions onto this contract's error shape (not the gateway's)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RestError as exc:
                return _error_response(exc.status, exc.error, exc.message)
            except UnicontaError as exc:
                if exc.code in RETRY_CODES:
                    return _error_response(503, exc.code)
                return _error_response(403 if exc.status == 403 else 400, exc.code)
            except (BadRequest, TooManyMatches) as exc:
                return _error_response(400, "BadRequest", exc.message)
            except StatusOnly as exc:  # only 401 is raised on these routes
                return _error_response(exc.status, "Unauthorized")

        return guarded


router = APIRouter(prefix=PREFIX, route_class=RestRoute)


# --------------------------------------------------------------------------- auth & names


def _login(request: Request) -> tuple[EmulatorUser, int | None]:
    """(user, company id or ``None``) from ``00<CompanyId>/<LoginId>``; spends one call."""
    username, password = _credentials(request)
    company_part, sep, login = username.partition("/")
    if not sep:
        company_part, login = "", username
    elif not company_part.isdigit():
        raise StatusOnly(401)
    settings = request.app.state.settings
    user = settings.user(login)
    if user is None or user.password != password:
        raise UnicontaError("UserOrPasswordIsWrong", status=403)
    refused = request.app.state.runtime.gate()
    if refused:
        raise UnicontaError(refused)
    request.state.user = user
    return user, int(company_part) if company_part else None


def _context_and_user(request: Request) -> tuple[CompanyContext, EmulatorUser]:
    user, company_id = _login(request)
    if company_id is None:
        if not user.companies:
            raise RestError(403, "NoRights", "this user has no company")
        company_id = user.companies[0]
    store = request.app.state.store
    info = store.company(company_id) if company_id in user.companies else None
    if info is None:
        raise RestError(
            403, "NoRights", f"company {company_id} is unknown or not granted to this user"
        )
    return CompanyContext(store, company_id, info, request.app.state.runtime.faults), user


def _context(request: Request) -> CompanyContext:
    return _context_and_user(request)[0]


def _entity(name: str) -> EntitySpec:
    if not name.lower().endswith("client") or len(name) <= len("client"):
        raise RestError(
            404,
            "UnknownEntity",
            f"unknown entity {name!r}: the REST service names the *Client classes ({name}Client)",
        )
    entity = resolve_type(name[: -len("client")])
    if entity is None:
        raise RestError(404, "UnknownEntity", f"unknown entity {name!r}")
    return entity


# --------------------------------------------------------------------------- JSON in and out


def public(encoded: Row) -> Row:
    """A serialized row with property names only and nulls omitted."""
    return {k: v for k, v in encoded.items() if not k.startswith("_") and v is not None}


def _check_keys(entity: EntitySpec, obj: Any) -> Row:
    if not isinstance(obj, dict):
        raise BadRequest("a JSON object is expected")
    for key in obj:
        if str(key).startswith("_"):
            spec = entity.lookup(str(key))
            hint = f" (property {spec.prop!r})" if spec is not None else ""
            raise BadRequest(
                f"'{key}' is a backing-field name; {entity.name}Client takes property names{hint}"
            )
    return obj


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("a JSON body is expected")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Invalid JSON: {exc}") from None


def _pairs(request: Request) -> list[tuple[str, str]]:
    names = request.query_params.getlist("Name")
    values = request.query_params.getlist("Value")
    if len(names) != len(values):
        raise BadRequest("every Name needs a Value (and the other way round)")
    return list(zip(names, values, strict=True))


def _predicates(entity: EntitySpec, request: Request) -> list[Predicate]:
    out = []
    for name, value in _pairs(request):
        if name.startswith("_"):
            raise BadRequest(f"filter on property names, not '{name}'")
        out.append(parse_predicate(entity, name, value))
    return out


def _stored(ctx: CompanyContext, entity: EntitySpec, obj: Row) -> Row:
    """The stored row that ``obj`` (a row as read) names by its ``RowId``."""
    row_id = obj.get("RowId")
    if isinstance(row_id, bool) or not isinstance(row_id, int) or row_id <= 0:
        raise BadRequest(f"{entity.name}Client: the object's RowId (as read) is required")
    old = ctx.store.by_row_id(ctx.company_id, entity.name, row_id)
    if old is None:
        raise UnicontaError("CouldNotFind")
    return old


# --------------------------------------------------------------------------- routes


def _companies(request: Request) -> list[Row]:
    _, user = _context_and_user(request)  # the login's company must be valid here too
    rows = []
    for company in request.app.state.store.companies():
        if company["CompanyId"] not in user.companies:
            continue
        row = {
            "RowId": company["CompanyId"],
            "CompanyId": company["CompanyId"],
            "PrimaryKeyId": company["CompanyId"],
            "CompanyName": company.get("Name"),
            "Currency": company.get("Currency"),
            "NumberOfDimensions": company.get("NumberOfDimensions"),
            **{f"Dim{n}": company.get(f"Dim{n}") for n in range(1, 6)},
            **{k: company.get(k) for k in fixtures.PAYMENT_SETUP},
        }
        rows.append({k: v for k, v in row.items() if v is not None})
    for name, value in _pairs(request):
        rows = [r for r in rows if str(r.get(name, "")).lower() == value.lower()]
    return rows


async def _read(request: Request, entity_name: str) -> Response:
    if entity_name.lower() == COMPANY_ENTITY:
        return JSONResponse(_companies(request))
    ctx = _context(request)
    entity = _entity(entity_name)
    require_rights(request, entity.name)
    rows = crud.query(ctx, entity, _predicates(entity, request))
    return JSONResponse([public(r) for r in rows])


@router.get("/Read/{entity_name}")
async def read(request: Request, entity_name: str) -> Response:
    return await _read(request, entity_name)


@router.get("/{entity_name}")
async def read_all(request: Request, entity_name: str) -> Response:
    return await _read(request, entity_name)


def _writable(request: Request, entity_name: str) -> tuple[CompanyContext, EntitySpec]:
    ctx = _context(request)
    if entity_name.lower() == COMPANY_ENTITY:
        raise UnicontaError("NoRights")
    entity = _entity(entity_name)
    require_rights(request, entity.name)
    return ctx, entity


@router.post("/Insert/{entity_name}")
async def insert(request: Request, entity_name: str) -> Response:
    ctx, entity = _writable(request, entity_name)
    body = await _body(request)
    if isinstance(body, list):
        raise BadRequest("Insert takes one JSON object; use InsertList for an array")
    rows = crud.insert(ctx, entity, _check_keys(entity, body))
    return JSONResponse(public(rows[0]))


@router.post("/InsertList/{entity_name}")
async def insert_list(request: Request, entity_name: str) -> Response:
    ctx, entity = _writable(request, entity_name)
    body = await _body(request)
    if not isinstance(body, list):
        raise BadRequest("InsertList takes a JSON array; use Insert for one object")
    rows = crud.insert(ctx, entity, [_check_keys(entity, obj) for obj in body])
    return JSONResponse([public(r) for r in rows])


@router.put("/Update/{entity_name}")
async def update(request: Request, entity_name: str) -> Response:
    ctx, entity = _writable(request, entity_name)
    body = _check_keys(entity, await _body(request))
    values = decode_object(entity, body)  # 400 before touching state
    with ctx.store.transaction():
        old = _stored(ctx, entity, body)
        new = blank_row(entity)
        new.update(values)
        for spec in entity.fields:
            if spec.readonly:
                new[spec.prop] = old.get(spec.prop)
        new["RowId"] = old["RowId"]
        new = prepare_update(ctx, entity, old, new)
        ctx.store.update(old["RowId"], store_key(entity, new), new)
    return JSONResponse(public(encode_row(entity, new, ctx.company_id)))


@router.delete("/Delete/{entity_name}")
async def delete(request: Request, entity_name: str) -> Response:
    ctx, entity = _writable(request, entity_name)
    body = _check_keys(entity, await _body(request))
    with ctx.store.transaction():
        old = _stored(ctx, entity, body)
        delete_row(ctx, entity, old)
    return JSONResponse(public(encode_row(entity, old, ctx.company_id)))


__all__ = ["PREFIX", "RestError", "RestRoute", "public", "router"]
