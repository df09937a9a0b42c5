"""What a PDF is asked to carry and to be: its embedded files and its PDF variant.

Kept apart from `renderer.render` so that processes which only pass these along (a batch
sending renders to Celery workers, a posting worker) never import WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PdfVariant = Literal["pdf/a-3b"] | None


@dataclass(frozen=True)
class EmbeddedFile:
    """A file carried inside the PDF, e.g. the e-invoice XML in a PDF/A-3 (an alternative
    representation of the same invoice: AFRelationship /Alternative)."""

    filename: str
    data: bytes
    description: str = ""
    relationship: Literal["Alternative", "Data", "Source", "Supplement"] = "Alternative"
