"""Name search against the plain condition: a few thousand random archive entries (Danish
letters, ß/ẞ, ligatures, quotes, `%`, `_`, several tenants, many invoices on one day) and
random searches (parts of names in any case, one and two letters, texts no name holds, with
offsets and date ranges), each answered by the index and by testing every folded name with
LIKE in plain SQL; both must give the same rows in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from archive import ArchiveEntry
from archive.index import SqlIndex, _to_row, entries

TENANTS = ("default", "acme", "acme-2", "a")
WORDS = [
    "Jensen", "Søndergaard", "Ærø", "Æbler", "Åkjær", "Østergaard", "Straße", "STRASSE", "Groß",
    "GROẞ", "ﬁskeri", "Σίσυφος", "İzmir", "O'Brien", 'Bar "Hjørnet"', "100%", "Rent_Vand",
    "a_b", "50%-rabat", "ÆØÅ", "æøå", "&", "A/S", "ApS", "& Søn", "Kelvin K", "back\\slash",
    "sen", "Hansen", "Christensen", "Møller", "v/", "Brød", "*", "NEAR(x)", "OR", "x AND y",
]
SPECIAL_QUERIES = [
    "%", "_", "%_", '"', "'", '""', "\\", "ss", "ß", "ẞ", "SS", "æ", "Æ", "øå", "ÆØ", "groß",
    "GROSS", "strasse", "fi", "ﬁ", "σ", "ς", "Σ", "i̇", "k", "K", "*", "near(", "or",
    "a and b", "x and y", "sen sen", "nobody here", "zzz", "0%-", "t_v", "bar \"h", "o'b",
]


@dataclass(frozen=True)
class Search:
    tenant: str
    q: str
    date_from: date | None
    date_to: date | None
    limit: int
    offset: int


def random_entries(rng: random.Random, count: int) -> Iterator[ArchiveEntry]:
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    for n in range(count):
        words = rng.sample(WORDS, rng.randrange(1, 4))
        name = " ".join(words)
        if rng.random() < 0.3:
            name = name.upper() if rng.random() < 0.5 else name.lower()
        yield ArchiveEntry(
            tenant=rng.choice(TENANTS), invoice_number=str(100_000 + n),
            document_type="invoice",
            # few days, so one day holds many invoices (the order's ties)
            issue_date=date(1999, 12, 28) + timedelta(days=rng.randrange(0, 40) ** 2 * 7),
            customer_number=f"C{rng.randrange(30)}", customer_name=name, currency_code="DKK",
            total_amount=Decimal(n) / 4, layout="clienttime", source_id=f"src-{n}",
            pdf_sha256="0" * 64, invoice_json_sha256="0" * 64, archived_at=now, pdf_size=1)


def fill(index: SqlIndex, rng: random.Random, count: int) -> list[ArchiveEntry]:
    """Write `count` random entries in a few transactions (the triggers run as for any write)."""
    made = list(random_entries(rng, count))
    for start in range(0, count, 500):
        with index.engine.begin() as conn:
            conn.execute(entries.insert(), [_to_row(e) for e in made[start:start + 500]])
    return made


def random_searches(rng: random.Random, made: list[ArchiveEntry], count: int) -> list[Search]:
    searches = []
    for n in range(count):
        if n < len(SPECIAL_QUERIES):
            q = SPECIAL_QUERIES[n]
        else:
            name = rng.choice(made).customer_name
            start = rng.randrange(len(name))
            q = name[start:start + rng.choice((1, 2, 3, 4, 5, 7, 10, 30))]
            q = rng.choice((q, q.upper(), q.lower(), q.swapcase()))
        dates = sorted(date(1999, 12, 28) + timedelta(days=rng.randrange(0, 12000))
                       for _ in range(2))
        date_from = rng.choice((None, None, dates[0]))
        date_to = rng.choice((None, None, dates[1]))
        searches.append(Search(
            tenant=rng.choice(TENANTS), q=q, date_from=date_from, date_to=date_to,
            limit=rng.choice((1, 5, 20, 100, 1000)), offset=rng.choice((0, 0, 1, 7, 40))))
    return searches


def by_index(index: SqlIndex, search: Search) -> list[str]:
    page = index.list(search.tenant, customer=None, date_from=search.date_from,
                      date_to=search.date_to, q=search.q, limit=search.limit,
                      offset=search.offset)
    return [e.invoice_number for e in page]


def by_like(engine: sa.Engine, search: Search) -> list[str]:
    """The plain condition: every folded name of the tenant tested with LIKE."""
    escaped = (search.q.casefold().replace("\\", "\\\\").replace("%", "\\%")
               .replace("_", "\\_"))
    sql = ("SELECT invoice_number FROM archive_entries WHERE tenant = :tenant"
           " AND customer_name_folded LIKE :pattern ESCAPE '\\'")
    params: dict[str, object] = {"tenant": search.tenant, "pattern": f"%{escaped}%",
                                 "limit": search.limit, "offset": search.offset}
    if search.date_from is not None:
        sql += " AND issue_date >= :date_from"
        params["date_from"] = search.date_from
    if search.date_to is not None:
        sql += " AND issue_date <= :date_to"
        params["date_to"] = search.date_to
    sql += " ORDER BY issue_date DESC, id DESC LIMIT :limit OFFSET :offset"
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).scalars())
