"""Name search on SQLite: which entries' customer names hold a text, ignoring case, a page at a
time in the list's order — the same rows as testing every folded name with LIKE, found from
trigram tables that triggers keep in step with every write.

Two tables, for the two kinds of text a bookkeeper types. The trigram table of all entries
(`archive_search`) has the list's order as its rowid, so the matches of a common text (part
of a surname, three letters) are read newest first and the reading stops when the page is
full. The customers' names once each (`archive_search_names`, with a trigram table of their
own) find the few customers a rare text (a full name, two words) belongs to, whose rows the
customer index then gives in order; in the first table such matches lie far apart and a page
of them means reading most of the doclists. An index file without these tables gets them when
it is opened (or by `faktura db upgrade`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, text


def escape_like(value: str) -> str:
    """`value` for a LIKE pattern with `\\` as the escape: `%` and `_` as ordinary letters."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The trigram table of all entries: contentless FTS5, its rowid the list's order, `_order_key`
# = issue date (Julian day number) · 2^32 + id, so the newest matches come first off its
# doclists and reading stops when a page is full; an issue-date range is a rowid range. Its
# `tenant` column holds the first trigram of "[tenant]" (one token per row) so a small tenant
# can narrow the candidates too. Triggers keep it in step with every write; a contentless
# table is told the old values of a row it forgets.
_KEY_SHIFT = 32
MAX_ID = 1 << _KEY_SHIFT
_JULIAN_OFFSET = 1721424  # Julian day number of date.fromordinal(1) - 1
_SEARCH = "archive_search"
_KEY_SQL = "CAST(julianday({row}.issue_date) AS INTEGER) * 4294967296 + {row}.id"
_VALUES_SQL = "{key}, substr('[' || {row}.tenant || ']', 1, 3), {row}.customer_name_folded"


def _search_values(row: str) -> str:
    return _VALUES_SQL.format(key=_KEY_SQL.format(row=row), row=row)


_NAME_SEARCH = [
    *(f"DROP TRIGGER IF EXISTS {_SEARCH}_{event}" for event in ("ai", "ad", "au")),
    f"CREATE VIRTUAL TABLE {_SEARCH} USING fts5(tenant, name, content='',"
    " tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER {_SEARCH}_ai AFTER INSERT ON archive_entries BEGIN"
    f" INSERT INTO {_SEARCH}(rowid, tenant, name) VALUES ({_search_values('new')}); END",
    f"CREATE TRIGGER {_SEARCH}_ad AFTER DELETE ON archive_entries BEGIN"
    f" INSERT INTO {_SEARCH}({_SEARCH}, rowid, tenant, name)"
    f" VALUES ('delete', {_search_values('old')}); END",
    f"CREATE TRIGGER {_SEARCH}_au AFTER UPDATE OF id, tenant, issue_date, customer_name_folded"
    f" ON archive_entries BEGIN INSERT INTO {_SEARCH}({_SEARCH}, rowid, tenant, name)"
    f" VALUES ('delete', {_search_values('old')});"
    f" INSERT INTO {_SEARCH}(rowid, tenant, name) VALUES ({_search_values('new')}); END",
    f"INSERT INTO {_SEARCH}(rowid, tenant, name)"
    f" SELECT {_search_values('archive_entries')} FROM archive_entries",
    f"INSERT INTO {_SEARCH}({_SEARCH}) VALUES ('optimize')",
    # The previous release's name index (an external-content table keyed by id) gives way.
    *(f"DROP TRIGGER IF EXISTS archive_names_{event}" for event in ("ai", "ad", "au")),
    "DROP TABLE IF EXISTS archive_names",
]
# The customers' names: a row per (tenant, customer number, folded name) ever written, with a
# trigram table of their own (its `tenant` column as above). Names are never forgotten (one no
# entry bears any more only costs a look that finds nothing), so every entry's (tenant,
# customer, name) is here: that is what lets a page be read off the customer index.
_NAMES = "archive_search_names"
_NAME_TRIGRAMS = "archive_search_name_trigrams"


def _remember_name(row: str) -> str:
    return (f"INSERT INTO {_NAMES}(tenant, customer_number, name) SELECT {row}.tenant,"
            f" {row}.customer_number, {row}.customer_name_folded WHERE NOT EXISTS (SELECT 1"
            f" FROM {_NAMES} WHERE tenant = {row}.tenant AND customer_number ="
            f" {row}.customer_number AND name = {row}.customer_name_folded);")


_CUSTOMER_NAMES = [
    f"CREATE TABLE {_NAMES} (id INTEGER PRIMARY KEY, tenant VARCHAR(40) NOT NULL,"
    " customer_number VARCHAR(64) NOT NULL, name VARCHAR NOT NULL,"
    " UNIQUE (tenant, customer_number, name))",
    f"CREATE VIRTUAL TABLE {_NAME_TRIGRAMS} USING fts5(tenant, name, content='',"
    " tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER {_NAMES}_ai AFTER INSERT ON {_NAMES} BEGIN"
    f" INSERT INTO {_NAME_TRIGRAMS}(rowid, tenant, name)"
    " VALUES (new.id, substr('[' || new.tenant || ']', 1, 3), new.name); END",
    f"CREATE TRIGGER {_NAMES}_entry_ai AFTER INSERT ON archive_entries BEGIN"
    f" {_remember_name('new')} END",
    f"CREATE TRIGGER {_NAMES}_entry_au AFTER UPDATE OF tenant, customer_number,"
    f" customer_name_folded ON archive_entries BEGIN {_remember_name('new')} END",
    f"INSERT INTO {_NAMES}(tenant, customer_number, name)"
    " SELECT DISTINCT tenant, customer_number, customer_name_folded FROM archive_entries",
    f"INSERT INTO {_NAME_TRIGRAMS}({_NAME_TRIGRAMS}) VALUES ('optimize')",
]
TRIGRAM = 3


def _missing(execute: Any) -> list[str]:
    """The statements that give this SQLite database the name-search tables it lacks."""
    have = {name for (name,) in execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        f" AND name IN ('{_SEARCH}', '{_NAMES}')")}
    return [*([] if _SEARCH in have else _NAME_SEARCH),
            *([] if _NAMES in have else _CUSTOMER_NAMES)]


def create_name_search(conn: Connection) -> bool:
    """Create and fill the name-search tables on SQLite that `conn`'s database lacks (in the
    caller's transaction); whether any was created."""
    if conn.dialect.name != "sqlite":
        return False
    statements = _missing(lambda sql: conn.execute(text(sql)))
    for statement in statements:
        conn.execute(text(statement))
    return bool(statements)


def _order_key(day: date) -> int:
    """The lowest name-search rowid of entries issued on `day`."""
    return (day.toordinal() + _JULIAN_OFFSET) << _KEY_SHIFT


def _phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _tenant_term(tenant: str) -> str:
    """The tenant column's token for `tenant` (shared by tenants that begin alike)."""
    return f"tenant : {_phrase(('[' + tenant + ']')[:TRIGRAM])}"


def _name_terms(folded: str) -> dict[str, int]:
    """One FTS5 term per distinct trigram of the folded text, with where it first starts."""
    terms: dict[str, int] = {}
    for start in range(len(folded) - TRIGRAM + 1):
        terms.setdefault(f"name : {_phrase(folded[start:start + TRIGRAM])}", start)
    return terms


_PROBE_DEPTH = 64
_KEEP_WITHIN = 8  # a term at most this many times as common as the rarest narrows enough
_MAX_TERMS = 4
_MAX_CHUNK = 4096
# The plain condition on a chunk of candidates (`+tenant`: by their ids, not the tenant index).
_CHECK = (
    "SELECT id FROM archive_entries WHERE id IN (SELECT value FROM json_each(:ids))"
    " AND +tenant = :tenant AND customer_name_folded LIKE :pattern ESCAPE '\\'")
_NEWEST = (f"SELECT rowid FROM {_SEARCH} WHERE {_SEARCH} MATCH :match{{where}}"
           " ORDER BY rowid DESC LIMIT {limit}")
_PROBE = ("SELECT {n}, count(*), max(rowid) - min(rowid) FROM ("
          + _NEWEST.format(where="{where}", limit=_PROBE_DEPTH) + ")")


def _range(low: int | None, high: int | None) -> tuple[str, dict[str, int]]:
    where, bounds = "", {}
    if low is not None:
        where, bounds["low"] = where + " AND rowid >= :low", low
    if high is not None:
        where, bounds["high"] = where + " AND rowid < :high", high
    return where, bounds


def _candidates(cursor: Any, match: str, low: int | None, high: int | None,
                count: int) -> list[int]:
    """The newest `count` rowids (below `high`) whose names hold every term of `match`."""
    where, bounds = _range(low, high)
    sql = _NEWEST.format(where=where, limit=":count")
    return [key for (key,) in cursor.execute(sql, {"match": match, "count": count, **bounds})]


def _apart(one: int | None, other: int | None) -> bool:
    """Whether two terms (where their trigrams start) share no letter of the text; the
    tenant's term (None) is apart from every other."""
    return one is None or other is None or abs(one - other) >= TRIGRAM


def _rarest(cursor: Any, terms: dict[str, int | None], low: int | None,
            high: int | None) -> list[str]:
    """The terms worth reading: the rarest in the range, newest first, then the rarest of
    the rest that are nearly as rare and overlap none already taken (overlapping trigrams
    come together, so they narrow little). `terms` maps each to where its trigram starts in
    the text (None: the tenant's). A term's `_PROBE_DEPTH` newest postings tell how far back
    one must read to meet that many: the further, the rarer."""
    where, bounds = _range(low, high)
    names = list(terms)
    probe = " UNION ALL ".join(
        _PROBE.format(n=n, where=where).replace(":match", f":m{n}") for n in range(len(names)))
    params = {**bounds, **{f"m{n}": term for n, term in enumerate(names)}}
    reach = {}
    for n, found, span in cursor.execute(probe, params).fetchall():
        if found == 0:
            return [names[n]]  # nothing holds it: nothing matches
        # fewer postings than the depth: as rare as it gets, ranked by how few
        reach[names[n]] = (found < _PROBE_DEPTH, span + 1, -found)
    ranked = sorted(names, key=lambda t: reach[t], reverse=True)
    rarest = reach[ranked[0]]
    rare_enough = [t for t in ranked
                   if rarest[0] or reach[t][1] * _KEEP_WITHIN >= rarest[1]]
    chosen: list[str] = []
    for term in rare_enough:
        if len(chosen) < _MAX_TERMS and all(_apart(terms[term], terms[c]) for c in chosen):
            chosen.append(term)
    return chosen


def _through_trigrams(cursor: Any, tenant: str, folded: str, pattern: str,
                      date_from: date | None, date_to: date | None, limit: int,
                      offset: int) -> list[int]:
    """The page's ids by the trigram table of all entries: candidates newest first from the
    rarest of the text's trigrams (and the tenant's), each checked against the plain
    condition, until `offset + limit` have passed."""
    low = None if date_from is None else _order_key(date_from)
    high = _order_key(date_to) + MAX_ID if date_to is not None else None
    terms = _rarest(cursor, {**_name_terms(folded), _tenant_term(tenant): None}, low, high)
    wanted, found, read = offset + limit, [], 0
    chunk = _next_chunk(wanted, 0, 0)
    while len(found) < wanted:
        keys = _candidates(cursor, " AND ".join(terms), low, high, chunk)
        if not keys:
            break
        ids = [key & (MAX_ID - 1) for key in keys]
        check = {"ids": json.dumps(ids), "tenant": tenant, "pattern": pattern}
        passed = {i for (i,) in cursor.execute(_CHECK, check)}
        found += [i for i in ids if i in passed]
        if len(keys) < chunk:
            break
        read += len(keys)
        high, chunk = keys[-1], _next_chunk(wanted - len(found), read, len(found))
    return found[offset:wanted]


def _next_chunk(needed: int, read: int, passed: int) -> int:
    """How many candidates to read next for `needed` more matches, after `read` of which
    `passed` held the text: as many as the share so far says, and a quarter more. Checking a
    candidate is the dearest step, and most texts pass nearly every one, so a page is mostly
    a single round of little more than its length."""
    if read == 0:
        estimate = needed
    elif passed == 0:
        estimate = 2 * read
    else:
        estimate = needed * read // passed
    return max(64, min(estimate + estimate // 4 + 16, _MAX_CHUNK))


_FEW_NAMES = 64
_FEW_ROWS = 4096  # rows of customers whose every name holds the text (the index alone)
_FEW_CHECKED = 1024  # rows of customers with other names too (each row's name tested)
_NAMES_WITH = (f"SELECT rowid FROM {_NAME_TRIGRAMS} WHERE {_NAME_TRIGRAMS} MATCH :match"
               f" LIMIT {_FEW_NAMES + 1}")
_CUSTOMERS_NAMED = (
    f"SELECT DISTINCT customer_number FROM {_NAMES} WHERE id IN"
    " (SELECT value FROM json_each(:ids)) AND +tenant = :tenant"
    " AND name LIKE :pattern ESCAPE '\\'")
_OTHER_NAMES = (
    f"SELECT 1 FROM {_NAMES} WHERE tenant = :tenant AND customer_number IN"
    " (SELECT value FROM json_each(:customers)) AND NOT name LIKE :pattern ESCAPE '\\'"
    " LIMIT 1")
_CUSTOMER_ROWS = (
    "SELECT {columns} FROM archive_entries INDEXED BY ix_archive_customer"
    " WHERE tenant = :tenant AND customer_number IN (SELECT value FROM json_each(:customers))"
    "{where}")


def _cover(folded: str) -> str:
    """Trigrams that together cover every letter of the text (and the tenant's): a name
    holding the text holds them all."""
    starts = {*range(0, len(folded) - TRIGRAM + 1, TRIGRAM), len(folded) - TRIGRAM}
    return " AND ".join(f"name : {_phrase(folded[s:s + TRIGRAM])}" for s in sorted(starts))


def _through_customers(cursor: Any, tenant: str, folded: str, pattern: str,
                       date_from: date | None, date_to: date | None, limit: int,
                       offset: int) -> list[int] | None:
    """The page's ids through the customers whose names hold the text, read off the customer
    index in the list's order; None when too many names or rows are in play (the trigram
    table of all entries finds a page of common matches sooner)."""
    match = f"{_cover(folded)} AND {_tenant_term(tenant)}"
    ids = [i for (i,) in cursor.execute(_NAMES_WITH, {"match": match})]
    if len(ids) > _FEW_NAMES:
        return None
    named = {"ids": json.dumps(ids), "tenant": tenant, "pattern": pattern}
    customers = sorted(c for (c,) in cursor.execute(_CUSTOMERS_NAMED, named))
    if not customers:
        return []
    params: dict[str, Any] = {"tenant": tenant, "customers": json.dumps(customers),
                              "pattern": pattern}
    where = ""
    if date_from is not None:
        where, params["date_from"] = where + " AND issue_date >= :date_from", str(date_from)
    if date_to is not None:
        where, params["date_to"] = where + " AND issue_date <= :date_to", str(date_to)
    # a customer's rows may bear other names too: then each row's own name is tested
    mixed = cursor.execute(_OTHER_NAMES, params).fetchone() is not None
    most = _FEW_CHECKED if mixed else _FEW_ROWS
    count = f"SELECT count(*) FROM ({_CUSTOMER_ROWS} LIMIT {most + 1})"
    (rows,) = cursor.execute(count.format(columns="1", where=where), params).fetchone()
    if rows > most:
        return None
    if mixed:
        where += " AND customer_name_folded LIKE :pattern ESCAPE '\\'"
    page = (_CUSTOMER_ROWS.format(columns="id", where=where)
            + " ORDER BY issue_date DESC, id DESC LIMIT :limit OFFSET :offset")
    return [i for (i,) in cursor.execute(page, {**params, "limit": limit, "offset": offset})]


def page_ids(cursor: Any, tenant: str, q: str, date_from: date | None, date_to: date | None,
             limit: int, offset: int) -> list[int]:
    """The ids of a page of `tenant`'s entries whose folded names hold the folded `q` (three
    letters or more), newest issue date first (ties: latest archived first): through the
    customers when only a few names hold it, else through the trigram table of all entries.
    `cursor` is the SQLite driver's own."""
    folded = q.casefold()
    pattern = f"%{escape_like(folded)}%"
    page = _through_customers(cursor, tenant, folded, pattern, date_from, date_to, limit,
                              offset)
    if page is None:
        page = _through_trigrams(cursor, tenant, folded, pattern, date_from, date_to, limit,
                                 offset)
    return page
