"""What Uniconta answered for a posted invoice: the one record the sync hands the pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Posting:
    """What Uniconta answered for a posted invoice."""

    invoice_number: str
    voucher: int | None = None
    journal_posted_id: int | None = None
    uniconta_pdf: bytes | None = None  # the Uniconta layout's PDF, when that layout is used
