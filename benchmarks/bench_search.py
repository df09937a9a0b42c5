"""Archive name search (`q=`) at a million entries — run by hand, not part of the test suite.

    python benchmarks/bench_search.py [--entries 1000000] [--lookups 2000] [--only SHAPE]
    python benchmarks/bench_search.py --postgres postgresql+psycopg://user@host/db --entries 200000

Builds an archive index with `--entries` rows once (a SQLite file in the temp directory, or a
schema `bench_search_<entries>` on PostgreSQL with the archive's migrations applied; reused by
later runs; about two minutes for a million on SQLite) — 20,000 customers with Danish company
names, each with invoices over ten years — and times `SqlIndex.list(q=…)` the way a bookkeeper
searches: part of one word of a customer's name (4–7 letters of the surname; with 60 surnames
that is at least one name in sixty, and a fragment such as "ense" matches far more), two words
(surname and trade: about 0.04 % of the rows), the full name; then three letters (a common
fragment), one or two letters, a text no name holds, part of a word on page ten (offset 900)
and within one year. Prints p50 / p95 / p99 per shape and the machine's load.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from archive.index import SqlIndex, SqliteIndex, _to_row, entries  # noqa: E402
from archive.model import ArchiveEntry  # noqa: E402

SURNAMES = [
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Østergaard", "Søndergaard",
    "Nørgaard", "Kjærgaard", "Damgaard", "Bækgaard", "Frølund", "Højbjerg", "Lykkegaard",
    "Mølgaard", "Brøndum", "Skjødt", "Kræmer", "Lauritsen", "Vestergaard", "Gregersen", "Dahl",
    "Holm", "Juhl", "Bach", "Ærenlund", "Åkjær", "Fløe", "Grønbech", "Højlund", "Krogh", "Lund",
    "Nygaard", "Overgaard", "Qvist", "Riis", "Schrøder", "Thygesen", "Ulriksen", "Vinther",
    "Winther", "Yde", "Zacho", "Bøgh", "Døssing",
]
TRADES = [
    "Tømrer", "Murer", "VVS", "El-service", "Rådgivning", "Revision", "Arkitekter", "Bageri",
    "Slagter", "Frisør", "Transport", "Entreprise", "Malerfirma", "Tandlæge", "Advokater",
    "Ejendomme", "Landbrug", "Gartneri", "Smedie", "Auto", "Økologi", "Isenkram", "Boghandel",
    "Køleteknik", "Låsesmed", "Ingeniører", "Design", "Catering", "Rengøring", "Træ", "&", "Bolig",
    "Glarmester", "Kloak", "Blomster", "Optik", "Fysioterapi", "Vinhandel", "Cykler", "Sko",
    "Møbler", "IT",
]
FORMS = ("ApS", "A/S", "I/S", "& Søn", "v/ Ejer")
CUSTOMERS = 20_000


def customer_name(i: int) -> str:
    rng = random.Random(i)
    return f"{rng.choice(SURNAMES)} {rng.choice(TRADES)} {rng.choice(FORMS)}"


def postgres_target(url: str, total: int) -> str:
    """A schema of its own on the server at `url`, its archive migrations applied."""
    from infra.migrations import upgrade

    schema = f"bench_search_{total}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    engine.dispose()
    target = f"{url}?options=-csearch_path%3D{schema}"
    upgrade(target, ["archive"])
    return target


def build(path: Path | str, total: int) -> None:
    """Fill the index up to `total` rows (an interrupted build goes on where it stopped)."""
    index = SqliteIndex(path) if isinstance(path, Path) else SqlIndex(path)
    with index.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(entries)).scalar_one()
    if have >= total:
        index.close()
        return
    start = time.perf_counter()
    names = [customer_name(c) for c in range(CUSTOMERS)]
    now = datetime.now(UTC)
    rows = []
    for i in range(have, total):
        customer = (i * 7919) % CUSTOMERS
        entry = ArchiveEntry(
            tenant="bench", invoice_number=str(10_000_000 + i), document_type="invoice",
            issue_date=date(2016, 1, 1) + timedelta(days=i * 3650 // total),
            customer_number=str(1000 + customer), customer_name=names[customer],
            currency_code="DKK", total_amount=Decimal(i % 100_000) / 4, layout="clienttime",
            source_id=f"SRC-{i}", pdf_sha256="0" * 64, invoice_json_sha256="0" * 64,
            archived_at=now, pdf_size=1000)
        rows.append(_to_row(entry))
        if len(rows) == 10_000 or i == total - 1:
            with index.engine.begin() as conn:
                conn.execute(entries.insert(), rows)
            rows = []
    index.close()
    if not isinstance(path, Path):  # as autovacuum would: statistics, the visibility map
        with index.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE archive_entries, archive_customer_names"))
    print(f"built {total - have:,} entries in {time.perf_counter() - start:.0f} s → {path}")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server instead of SQLite")
    parser.add_argument("--only", action="append", help="time only these shapes (repeatable)")
    args = parser.parse_args()
    if args.postgres:
        target: Path | str = postgres_target(args.postgres, args.entries)
    else:
        target = args.dir / f"faktura-bench-search-{args.entries}.sqlite"
    build(target, args.entries)
    index = SqliteIndex(target) if isinstance(target, Path) else SqlIndex(target)
    rng = random.Random(7)
    picks = [customer_name(rng.randrange(CUSTOMERS)) for _ in range(args.lookups)]
    last_year = date(2016, 1, 1) + timedelta(days=3650 - 365)

    def word_part(name: str) -> str:
        word = name.split()[0]
        start = rng.randrange(0, 2)
        return word[start:start + rng.randrange(4, 8)].upper()

    def letters(name: str, count: int) -> str:
        word = name.split()[0]
        start = rng.randrange(0, len(word) - count + 1)
        return word[start:start + count]

    # shape: (the text from a customer's name, offset, date_from)
    shapes = {
        "part of a word": (word_part, 0, None),
        "two words": (lambda name: " ".join(name.split()[:2]).lower(), 0, None),
        "full name": (lambda name: name, 0, None),
        "three letters": (lambda name: letters(name, 3), 0, None),
        "1-2 letters": (lambda name: letters(name, rng.choice((1, 2))), 0, None),
        "no such name": (lambda name: word_part(name) + "zq", 0, None),
        "word, offset 900": (word_part, 900, None),
        "word, last year": (word_part, 0, last_year),
    }
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.entries:,} entries ({where}), {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    for label, (make, offset, date_from) in shapes.items():
        if args.only and label not in args.only:
            continue
        queries = [make(name) for name in picks]

        def lookup(q: str, offset: int = offset, date_from: date | None = date_from) -> int:
            return len(index.list("bench", customer=None, date_from=date_from, date_to=None,
                                  q=q, limit=100, offset=offset))

        for q in queries[:20]:  # warm the page cache
            lookup(q)
        samples, hits = [], []
        for q in queries:
            start = time.perf_counter()
            hits.append(lookup(q))
            samples.append(time.perf_counter() - start)
        print(f"  q = {label:<17} p50 {percentile(samples, 0.5):6.2f} ms   p95 "
              f"{percentile(samples, 0.95):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms"
              f"   (page: {statistics.mean(hits):.0f} of 100 rows on average)"
              f"   load {os.getloadavg()[0]:.2f}")
    print(f"load {os.getloadavg()[0]:.2f} at the end")
    index.close()


if __name__ == "__main__":
    main()
