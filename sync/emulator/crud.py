"""The ``Query`` and ``Crud`` operations: insert (object or array), JSON Patch, delete, query.

Each write request runs in one SQLite transaction: a multi-object POST is all-or-nothing, like
one ``CrudAPI.Insert(array)`` call. A filter on ``RowId`` or on an indexed number (an order's or
an invoice's) reads only the rows it can match; every filter is then applied as written.
"""

from __future__ import annotations

from typing import Any

from sync.emulator.entities import EntitySpec, Kind
from sync.emulator.errors import BadRequest, TooManyMatches
from sync.emulator.filters import Predicate, apply_filters
from sync.emulator.rules import (
    CompanyContext,
    delete_row,
    prepare_insert,
    prepare_update,
    store_key,
)
from sync.emulator.store import NUMBERS
from sync.emulator.wire import blank_row, coerce, decode_object, default_value, encode_row

Row = dict[str, Any]


def _candidates(ctx: CompanyContext, entity: EntitySpec, predicates: list[Predicate]
                ) -> list[Row]:
    """The stored rows the predicates may match: through an index when one narrows them."""
    for predicate in predicates:
        bounds = [(a.low, a.high) for a in predicate.alternatives]
        if predicate.spec.kind is not Kind.INT or not all(
                isinstance(b, int | None) and not isinstance(b, bool) for pair in bounds
                for b in pair):
            continue
        exact = sorted({low for low, _ in bounds}) if all(
            a.exact for a in predicate.alternatives) else None
        if predicate.spec.prop == "RowId" and exact is not None:
            found = (ctx.store.by_row_id(ctx.company_id, entity.name, n) for n in exact)
            return [row for row in found if row is not None]
        if predicate.spec.prop in NUMBERS and exact is not None:
            rows = [row for n in exact for row in ctx.store.rows_numbered(
                ctx.company_id, entity.name, predicate.spec.prop, n, n)]
            return sorted(rows, key=lambda row: row["RowId"])
        if predicate.spec.prop in NUMBERS:
            lows, highs = [low for low, _ in bounds], [high for _, high in bounds]
            return ctx.store.rows_numbered(
                ctx.company_id, entity.name, predicate.spec.prop,
                None if None in lows else min(lows), None if None in highs else max(highs))
    return ctx.rows(entity.name)


def query(ctx: CompanyContext, entity: EntitySpec, predicates: list[Predicate]) -> list[Row]:
    """Rows matching all predicates, serialized."""
    rows = apply_filters(_candidates(ctx, entity, predicates), predicates)
    return [encode_row(entity, row, ctx.company_id) for row in rows]


def insert(ctx: CompanyContext, entity: EntitySpec, payload: Any) -> list[Row]:
    """Insert one object or an array of objects; returns the stored rows, serialized."""
    if isinstance(payload, dict):
        objects = [payload]
    elif isinstance(payload, list) and all(isinstance(o, dict) for o in payload):
        objects = payload
    else:
        raise BadRequest("Object or array is expected")
    decoded = [decode_object(entity, obj) for obj in objects]  # 400 before touching state
    out = []
    with ctx.store.transaction():
        for values in decoded:
            row = blank_row(entity)
            row.update(values)
            row = prepare_insert(ctx, entity, row, set(values))
            key = store_key(entity, row)
            row["RowId"] = ctx.store.insert(ctx.company_id, entity.name, key, row)
            out.append(encode_row(entity, row, ctx.company_id))
    return out


def _matches(ctx: CompanyContext, entity: EntitySpec, predicates: list[Predicate], limit: int):
    rows = apply_filters(_candidates(ctx, entity, predicates), predicates)
    if len(rows) > limit:
        raise TooManyMatches(len(rows), limit)
    return rows


def _apply_patch(entity: EntitySpec, row: Row, operations: Any) -> Row:
    """Apply RFC 6902 ``replace``/``add``/``remove`` operations on ``/Prop`` or ``/_Field``."""
    if not isinstance(operations, list):
        raise BadRequest("The JSON patch document must be an array of operations.")
    patched = dict(row)
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise BadRequest("Invalid JsonPatch operation.")
        kind = str(op.get("op", "")).lower()
        segment = op["path"].lstrip("/").replace("~1", "/").replace("~0", "~")
        spec = entity.lookup(segment)
        if spec is None or spec.readonly:
            raise BadRequest(
                f"The target location specified by path segment '{segment}' was not found."
            )
        if kind in ("replace", "add"):
            if "value" not in op:
                raise BadRequest(f"The 'value' is missing for the '{kind}' operation.")
            patched[spec.prop] = coerce(spec, op["value"], segment)
        elif kind == "remove":
            patched[spec.prop] = default_value(spec)
        else:
            raise BadRequest(f"Invalid JsonPatch operation '{op.get('op')}'.")
    return patched


def patch(
    ctx: CompanyContext,
    entity: EntitySpec,
    predicates: list[Predicate],
    limit: int,
    operations: Any,
) -> list[Row]:
    """Patch every matching row (409 when more than ``limit`` match); returns the updated rows."""
    out = []
    with ctx.store.transaction():
        for row in _matches(ctx, entity, predicates, limit):
            new = prepare_update(ctx, entity, row, _apply_patch(entity, row, operations))
            ctx.store.update(row["RowId"], store_key(entity, new), new)
            out.append(encode_row(entity, new, ctx.company_id))
    return out


def delete(ctx: CompanyContext, entity: EntitySpec, predicates: list[Predicate], limit: int) -> int:
    """Delete every matching row (409 when more than ``limit`` match); returns the count."""
    with ctx.store.transaction():
        rows = _matches(ctx, entity, predicates, limit)
        for row in rows:
            delete_row(ctx, entity, row)
    return len(rows)
