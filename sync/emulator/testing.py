"""Test helpers around a running emulator: an authenticated client and admin shortcuts.

Used by ``tests/conftest.py`` (fixture ``emulator``) and available to other test suites (the
gateway client's, the sync engine's) that need a live gateway on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sync.emulator.server import RunningEmulator


@dataclass
class EmulatorHandle:
    """What tests get: where the emulator listens, how to log in, and admin shortcuts."""

    running: RunningEmulator
    client: httpx.Client

    @property
    def base_url(self) -> str:
        return self.running.base_url

    @property
    def login(self) -> str:
        return self.running.login

    @property
    def password(self) -> str:
        return self.running.password

    @property
    def company_id(self) -> int:
        return self.running.company_id

    @property
    def auth(self) -> tuple[str, str]:
        return (self.login, self.password)

    @property
    def company_url(self) -> str:
        """``/Companies/<id>`` of the seeded company (relative to ``base_url``)."""
        return f"/Companies/{self.company_id}"

    # -- admin ----------------------------------------------------------------------------------

    def _admin(self, method: str, path: str, **kw: Any) -> Any:
        response = self.client.request(method, f"{self.base_url}/_emulator/{path}", **kw)
        response.raise_for_status()
        return response.json()

    def set_faults(self, **switches: Any) -> dict[str, Any]:
        """``POST /_emulator/faults`` (e.g. ``call_limit=3``, ``drop_after_commit=1``)."""
        return self._admin("POST", "faults", json=switches)

    def faults(self) -> dict[str, Any]:
        return self._admin("GET", "faults")

    def stats(self) -> dict[str, Any]:
        return self._admin("GET", "stats")

    def reset_counters(self) -> dict[str, Any]:
        return self._admin("POST", "reset-counters")

    def reset_state(self) -> None:
        self._admin("POST", "reset-state")

    # -- gateway shortcuts (plain HTTP; assert success) ----------------------------------------

    def query(self, type_name: str, **filters: str) -> list[dict[str, Any]]:
        params = {f"filter.{k}": v for k, v in filters.items()}
        response = self.client.get(f"{self.company_url}/Query/{type_name}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def insert(self, type_name: str, payload: Any) -> list[dict[str, Any]]:
        response = self.client.post(f"{self.company_url}/Crud/{type_name}", json=payload)
        assert response.status_code == 200, response.text
        return response.json()

    def create_debtor(self, account: str = "1001", **fields: Any) -> dict[str, Any]:
        payload = {"_Account": account, "_Name": f"Kunde {account}", **fields}
        return self.insert("Debtor", payload)[0]

    def create_order(
        self, account: str = "1001", lines: list[dict[str, Any]] | None = None, **fields: Any
    ) -> int:
        """Insert an order (``DeleteOrder`` true unless given) and its lines; returns its number."""
        order = self.insert("DebtorOrder", {"_DCAccount": account, "_DeleteOrder": True, **fields})
        number = int(order[0]["OrderNumber"])
        if lines:
            self.insert("DebtorOrderLine", [{"_OrderNumber": number, **line} for line in lines])
        return number

    def post_invoice(self, order_number: int, **params: Any) -> httpx.Response:
        return self.client.post(
            f"{self.company_url}/Invoice/DebtorOrders/{order_number}", params=params
        )
