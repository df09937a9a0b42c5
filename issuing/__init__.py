"""The issuing pipeline: validate → post → render → archive, for one invoice or a batch.

It decides the order of the steps and wires the adapters together; it computes nothing of its
own (the domain's computed invoice does). Modules: `pipeline` (one invoice), `batch` (many,
with warm render workers), `bulk` (a batch posted in chunks, few Uniconta calls), `balance`
(what was issued here against what Uniconta booked), `delivery` (e-mailing issued invoices
through the outbox), `status` (payment status from Uniconta's open items), `period` (a
filtered stretch of the archive with its totals) and `bootstrap` (the composition root: a
tenant's parts built from its settings).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from issuing.pipeline import BulkPoster, IssuedInvoice, Issuer, PostedInvoice, Poster

__all__ = ["BulkPoster", "IssuedInvoice", "Issuer", "PostedInvoice", "Poster"]


def __getattr__(name: str) -> Any:
    """The pipeline's names, imported on first use: a command that only e-mails what was
    issued (`issuing.delivery`) does not load the renderer."""
    if name in __all__:
        return getattr(importlib.import_module("issuing.pipeline"), name)
    raise AttributeError(f"module 'issuing' has no attribute {name!r}")
