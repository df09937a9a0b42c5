"""Reading an invoice JSON file into the domain's `Invoice`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice, parse_invoice


def load_invoice(path: Path) -> Invoice:
    """Read an invoice JSON file; errors name the file, the field and the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        raise InvalidInput(str(path), [Problem("", "file not found")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(str(path), [Problem("", f"not valid JSON ({error})")]) from None
    return parse_invoice(data, str(path))
