"""The sync log: one JSON line per step per invoice (the guide's "log file that describes how
the sync goes"), appended to `<state_dir>/sync-log.jsonl`.

Only the engine's own facts are written (ids, numbers, states, reasons, call counts); never
a request, a header or a setting, so no secret can reach it.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.private import open_private, private_dir


class SyncLog:
    """The log file (private to its user: 0600, see `infra.private`)."""

    def __init__(self, path: Path, tenant: str) -> None:
        private_dir(path.parent)
        self.path = path
        self.tenant = tenant
        self._lock = threading.Lock()

    def step(self, source_id: str, step: str, **facts: Any) -> None:
        entry = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                 "tenant": self.tenant, "invoice": source_id, "step": step, **facts}
        line = json.dumps(entry, ensure_ascii=False, default=str)
        with self._lock, os.fdopen(open_private(self.path, os.O_WRONLY | os.O_APPEND), "a",
                                   encoding="utf-8") as handle:
            handle.write(line + "\n")

    def entries(self, source_id: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return [row for row in rows if source_id is None or row.get("invoice") == source_id]
