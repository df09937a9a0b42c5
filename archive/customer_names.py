"""Name search on PostgreSQL: a page of a tenant's entries whose folded customer names hold a
text, in the list's order — the same rows as testing every folded name with LIKE — read the
way the number of names holding the text calls for, which the table of customers' names
tells at once. No plan then rests on the planner's guess at how common a text is (pg_trgm's
estimate takes a rare full name for a common one and reads the whole table newest first).

The table (`archive_customer_names`, migration `archive_0004`) holds every (tenant, customer
number, folded name) ever archived, kept by triggers; names are never forgotten (one no entry
bears any more only costs a look that finds nothing). A rare text (a full name, two words)
belongs to a few customers: their entries are read off the customer index newest first, each
customer's at most a page deep, and merged. A common text (part of a surname, a few letters)
is held by many rows, so the issue-date index read newest first meets a page of them soon;
the test there is written with `strpos`, which no index serves, so the planner cannot turn to
a bitmap of every match from the trigram index and a sort.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from archive.name_search import escape_like

TABLE = "archive_customer_names"
#: A text more of a tenant's names hold than this is read through the list-order index.
FEW_NAMES = 64

# No DISTINCT: the look stops at the first names past the few (a customer seldom has two).
_CUSTOMERS = text(
    f"SELECT customer_number FROM {TABLE} WHERE tenant = :tenant"
    f" AND name LIKE :pattern ESCAPE '\\' LIMIT {FEW_NAMES + 1}")


def has_customer_names(engine: Engine) -> bool:
    """Whether this PostgreSQL database has the table (an index not yet upgraded has not)."""
    return inspect(engine).has_table(TABLE)


def customers_named(conn: Connection, tenant: str, q: str) -> list[str] | None:
    """The customers of `tenant` one of whose names holds the folded `q`, sorted; None when
    more than `FEW_NAMES` of the tenant's names do."""
    pattern = f"%{escape_like(q.casefold())}%"
    found = conn.execute(_CUSTOMERS, {"tenant": tenant, "pattern": pattern}).scalars().all()
    return None if len(found) > FEW_NAMES else sorted(set(found))


def _page(limit: int, offset: int) -> str:
    """A page's LIMIT and OFFSET written out: the driver prepares a statement it runs often,
    and a plan made for unknown bounds may read the whole table for them."""
    return f"LIMIT {int(limit)} OFFSET {int(offset)}"


def _dates(date_from: date | None, date_to: date | None, row: str) -> tuple[str, dict[str, Any]]:
    where, params = "", {}
    if date_from is not None:
        where, params["date_from"] = where + f" AND {row}.issue_date >= :date_from", date_from
    if date_to is not None:
        where, params["date_to"] = where + f" AND {row}.issue_date <= :date_to", date_to
    return where, params


def customers_page(conn: Connection, columns: tuple[str, ...], tenant: str, q: str,
                   customers: list[str], date_from: date | None, date_to: date | None,
                   limit: int, offset: int) -> list[tuple[Any, ...]]:
    """The page among these customers' entries whose names hold `q` (a customer's rows may
    bear other names too, so each row's own name is tested), each customer's read newest
    first off the customer index at most a page deep: `columns` of each row."""
    where, params = _dates(date_from, date_to, "e")
    listed = ", ".join(f"e.{c}" for c in columns)
    sql = text(
        f"SELECT {listed} FROM unnest(CAST(:customers AS varchar[])) AS c(number)"
        f" CROSS JOIN LATERAL (SELECT e.id, {listed} FROM archive_entries e"
        " WHERE e.tenant = :tenant AND e.customer_number = c.number"
        f" AND e.customer_name_folded LIKE :pattern ESCAPE '\\'{where}"
        f" ORDER BY e.issue_date DESC, e.id DESC LIMIT {int(offset + limit)}) AS e"
        f" ORDER BY e.issue_date DESC, e.id DESC {_page(limit, offset)}")
    params |= {"tenant": tenant, "customers": customers,
               "pattern": f"%{escape_like(q.casefold())}%"}
    return [tuple(row) for row in conn.execute(sql, params)]


def newest_page(conn: Connection, columns: tuple[str, ...], tenant: str, q: str,
                date_from: date | None, date_to: date | None, limit: int,
                offset: int) -> list[tuple[Any, ...]]:
    """The page by the issue-date index read newest first, each row's name tested (a text
    many names hold): `columns` of each row."""
    where, params = _dates(date_from, date_to, "e")
    listed = ", ".join(f"e.{c}" for c in columns)
    sql = text(
        f"SELECT {listed} FROM archive_entries e WHERE e.tenant = :tenant"
        f" AND strpos(e.customer_name_folded, :folded) > 0{where}"
        f" ORDER BY e.issue_date DESC, e.id DESC {_page(limit, offset)}")
    params |= {"tenant": tenant, "folded": q.casefold()}
    return [tuple(row) for row in conn.execute(sql, params)]
