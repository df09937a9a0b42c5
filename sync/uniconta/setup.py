"""Reading a company's setup from Uniconta, on either transport, without ever writing.

`SetupReader` wraps a client (`GatewayClient` or `RestClient`) and offers only reads: the
user's companies, the resolved company (with Company information's CVR, FIK and bank), all
rows of a setup table (cached: one call each), chosen items, and a rights probe (a query that
matches no row). `number_series` reads one number series as a value: the next invoice number
and how far the series goes; `next_invoice_number` the number a debtor group's next invoice
gets.

Used by the setup doctor (`issuing.doctor`) and, before posting, by the sync engine
(`sync.posting.numbers`); nothing here calls insert, patch, delete or a posting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sync.uniconta.errors import UnsupportedFeatureError
from sync.uniconta.records import CompanyInfo, as_int
from sync.uniconta.wire import field, one_of

Row = dict[str, Any]

__all__ = ["NumberSeries", "SetupReader", "next_invoice_number", "number_series"]


class ReadingClient(Protocol):
    """The read side both transports share."""

    def resolve_company(self, *, refresh: bool = False) -> CompanyInfo: ...

    def list_companies(self, *, refresh: bool = False) -> list[CompanyInfo]: ...

    def query(self, type_name: str, where: Mapping[str, Any] | None = None, /,
              **filters: Any) -> list[dict[str, Any]]: ...


class SetupReader:
    """Read-only access to one company's setup through one client (answers cached)."""

    def __init__(self, client: ReadingClient) -> None:
        self.client = client
        self._rows: dict[str, list[Row]] = {}

    def companies(self) -> list[CompanyInfo] | None:
        """The user's companies; None when the gateway cannot list them (no extension)."""
        try:
            return self.client.list_companies()
        except UnsupportedFeatureError:
            return None

    def company(self) -> CompanyInfo:
        """The configured company (by id or name), resolved once by the client."""
        return self.client.resolve_company()

    def company_value(self, name: str) -> Any:
        """A Company information value (``FIK``, ``Id``, ``IBAN``...), None when not given."""
        return field(self.company().raw, name)

    def rows(self, type_name: str) -> list[Row]:
        """Every row of a setup table (`DebtorGroup`, `GLVat`, `GLDimType1`...): one call."""
        if type_name not in self._rows:
            self._rows[type_name] = self.client.query(type_name)
        return self._rows[type_name]

    def by_key(self, type_name: str, key: str) -> dict[str, Row]:
        """The rows of a setup table by their key field (as text)."""
        return {str(field(row, key)): row for row in self.rows(type_name)
                if field(row, key) is not None}

    def items(self, numbers: Sequence[str]) -> dict[str, Row]:
        """The items among `numbers` that exist, by item number (one call)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        rows = self.client.query("InvItem", Item=one_of(*wanted))
        return {str(field(row, "Item")): row for row in rows}

    def probe(self, type_name: str) -> None:
        """Read the table with a filter no row matches: raises when the user may not read it."""
        self.client.query(type_name, RowId=0)


@dataclass(frozen=True)
class NumberSeries:
    """One Uniconta number series (`NumberSerie`): where it stands and where it ends."""

    serie: str
    next: int
    last_value: int | None  # None: no last value set
    blocked: bool

    @property
    def left(self) -> int | None:
        """Numbers left in the series itself (None: no end set)."""
        if self.last_value is None:
            return None
        return max(0, self.last_value - self.next + 1)


def number_series(reader: SetupReader, serie: str) -> NumberSeries | None:
    """The number series named `serie`, or None when Uniconta has none by that name."""
    row = reader.by_key("NumberSerie", "Serie").get(serie)
    if row is None:
        return None
    last = as_int(field(row, "LastValue")) or None
    return NumberSeries(serie=serie, next=as_int(field(row, "Next")) or 0, last_value=last,
                        blocked=bool(field(row, "Blocked")))


def next_invoice_number(reader: SetupReader, debtor_group: str | None = None) -> int | None:
    """The number Uniconta gives the next invoice of `debtor_group` (None: the default group):
    the next number of the group's invoice number series (`InvoiceSerie`). Two reads, the
    debtor groups and the number series; None when the group or its series does not exist
    (a posting is then refused with ``NumberSerieDoesNotExist``)."""
    group = next((row for row in reader.rows("DebtorGroup")
                  if (str(field(row, "Group")) == debtor_group if debtor_group
                      else field(row, "IsDefault"))), None)
    name = field(group, "InvoiceSerie") if group is not None else None
    serie = number_series(reader, str(name)) if name else None
    return serie.next if serie is not None else None
