"""The issuing pipeline: validate → post → render → archive, for one invoice or a batch.

It decides the order of the steps and wires the adapters together; it computes nothing of its
own (the domain's computed invoice does). Modules: `pipeline` (one invoice), `batch` (many,
with warm render workers), `bulk` (a batch posted in chunks, few Uniconta calls), `balance`
(what was issued here against what Uniconta booked) and `wiring` (the adapters for one tenant
from its settings).
"""

from issuing.pipeline import BulkPoster, IssuedInvoice, Issuer, PostedInvoice, Poster

__all__ = ["BulkPoster", "IssuedInvoice", "Issuer", "PostedInvoice", "Poster"]
