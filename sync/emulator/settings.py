"""Emulator configuration: users, the call budget, fault switches and policy switches.

Everything in :class:`Faults` can also be changed while the server runs through the admin route
``POST /_emulator/faults`` (see :mod:`sync.emulator.admin`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from sync.emulator import fixtures


@dataclass(frozen=True)
class EmulatorUser:
    """A Uniconta (server) user: Basic-auth login, password, granted company ids.

    ``no_rights`` names the tables (entity names, any case) the user's rights in Uniconta do
    not reach: reading or writing them answers ``NoRights``.
    """

    login: str
    password: str
    companies: tuple[int, ...]
    no_rights: tuple[str, ...] = ()

    def may_use(self, entity: str) -> bool:
        return entity.lower() not in {name.lower() for name in self.no_rights}


@dataclass
class Faults:
    """Run-time switches. Counts (``drop_after_commit``, ``fail_before_commit``) are consumed.

    * ``call_limit``: after this many authenticated calls every call answers 500 ``"SlowDown"``
      until the counters are reset (``None`` = unlimited).
    * ``logged_in_elsewhere``: the next authenticated call answers 500 ``"UserNotLoggedIn"``,
      then the switch clears itself.
    * ``drop_after_commit``: the next N real postings commit, then the connection is dropped
      without a complete response.
    * ``fail_before_commit``: the next N real postings answer 503 and commit nothing.
    * ``misbook_vat``: the next N real postings book 1.00 more VAT than their lines carry (a
      planted disagreement between the booking and the invoice, for the check after posting).
    * ``latency_ms``: added to every gateway call.
    * ``extensions``: serve the three non-upstream extensions (``GET /Companies``, ``date=`` on
      posting, ``GET .../DebtorInvoices/{n}/Pdf``); off = plain rmja behaviour.
    * ``digits_only_accounts``: Debtor.Account must be digits (project policy, §4).
    """

    call_limit: int | None = None
    logged_in_elsewhere: bool = False
    drop_after_commit: int = 0
    fail_before_commit: int = 0
    misbook_vat: int = 0
    latency_ms: int = 0
    extensions: bool = True
    digits_only_accounts: bool = True

    def update(self, changes: dict[str, object]) -> None:
        """Apply a partial update (validated); raises ``ValueError`` on a bad name or value."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown fault switch {name!r}")
            current = getattr(self, name)
            if name == "call_limit":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError("call_limit must be an integer or null")
            elif isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be a boolean")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
            setattr(self, name, value)

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _default_users() -> tuple[EmulatorUser, ...]:
    return (
        EmulatorUser(fixtures.LOGIN, fixtures.PASSWORD, (fixtures.COMPANY_ID,)),
        EmulatorUser(fixtures.OTHER_LOGIN, fixtures.OTHER_PASSWORD, (fixtures.OTHER_COMPANY_ID,)),
    )


@dataclass
class EmulatorSettings:
    """Start-up configuration of one emulator instance.

    ``today`` pins the date used when posting without ``date=``/``InvoiceDate`` (tests);
    ``seed`` seeds :mod:`sync.emulator.fixtures` into an empty state file.
    """

    users: tuple[EmulatorUser, ...] = field(default_factory=_default_users)
    faults: Faults = field(default_factory=Faults)
    today: date | None = None
    seed: bool = True

    def user(self, login: str) -> EmulatorUser | None:
        for user in self.users:
            if user.login == login:
                return user
        return None
