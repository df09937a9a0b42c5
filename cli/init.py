"""`faktura init [FOLDER]`: a commented starter settings file and a sample invoice.

Both work at once with the built-in Uniconta emulator: `faktura batch invoice.json` in that
folder issues the sample, and `faktura archive list` shows it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from faktura.errors import InvalidInput, Problem
from infra.atomic import write_bytes_atomically
from infra.private import PRIVATE_FILE
from infra.settings_files import FILE_NAME

STARTER_SETTINGS = '''\
# Faktura settings. Every command finds this file as ./faktura.toml, through
# FAKTURA_SETTINGS=/path/to/faktura.toml, or with --settings. Paths are relative to this file.
# Any value can be overridden by the environment: FAKTURA_<TABLE>__<FIELD>, e.g.
# FAKTURA_INTEGRATION__PASSWORD (keep real passwords there, not in this file).

tenant = "{tenant}"             # your firm's short name: a-z, 0-9 and '-'
state_dir = "var"               # posting ledger, API keys, batches, the emulator's state
archive_dir = "var/archive"     # every issued PDF, kept byte for byte

[integration]                   # the ClientTime integration collection, under its own names
Username = "faktura"            # the Uniconta Server user
Password = "demo-secret"        # the built-in emulator's password
FiCreditorNumber = "85000012"   # your 8-digit FI creditor number (FIK)
TermsOfPayment = 8              # days to pay
FooterText = "Din Virksomhed ApS · Hovedgaden 1 · 8000 Aarhus C · CVR 31415926"
ProductNumber = "1000"          # the Uniconta item for lines with VAT
ProductNumberExVat = "1010"     # ... and for lines without VAT
Company = "Demo ApS"            # the Uniconta company name
PaymentInfo = "Bank: Reg.nr. 1234 Konto 0012345678"
VatPercentage = 25
UseTimeViewInvoice = 1          # 1 = the ClientTime layout (with FI line), 0 = Uniconta's PDF
TeamDimension = 0               # Uniconta dimensions 1-5 for team, department, division
DepartmentDimension = 0         # (0 = not used)
DivisionDimension = 0

[seller]                        # printed on every invoice
name = "Din Virksomhed ApS"
address_lines = ["Hovedgaden 1"]
post_code = "8000"
city = "Aarhus C"
cvr = "31415926"
email = "faktura@example.dk"
bank_reg_no = "1234"            # your bank account: what PaymentInfo prints is checked against it
bank_account = "0012345678"
# iban = "DK..."                # for payers abroad and credit notes (English invoices print it)
# logo = "logo.png"             # SVG or PNG, beside this file

[layout]
language = "da"                 # da or en (a customer may have its own)
fi_card_type = "71"

[einvoice]                      # the e-invoice XML inside the PDF/A-3 and in the archive
when = "ean"                    # "ean": for customers with an EAN (OIOUBL); "always"; "never"
format = "peppol"               # for customers without an EAN when when = "always"

[uniconta]
# gateway_url = "https://..."   # blank: the built-in emulator (nothing leaves this machine)
debtor_group = "1"
vat_zone = "Domestic"
payment_terms = "Netto8"
'''

SAMPLE_INVOICE = '''\
{
  "source_id": "START-0001",
  "issue_date": "2026-11-02",
  "customer": {
    "customer_number": "1002",
    "name": "Bageriet Kornblomsten",
    "address": {"line1": "Søndergade 31", "post_code": "8700", "city": "Horsens"}
  },
  "buyer_reference": "Mette Holm",
  "lines": [
    {"text": "Årsregnskab 2025 inkl. selvangivelse", "quantity": "1", "unit": "stk.",
     "unit_price": "12500.00"}
  ]
}
'''
INVOICE_NAME = "invoice.json"


def init_command(
    folder: Annotated[Path, typer.Argument(help="Where to write them (created if missing)")]
    = Path("."),
    tenant: Annotated[str, typer.Option(help="Your firm's short name (a-z, 0-9, '-')")]
    = "default",
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files")] = False,
) -> None:
    """Write a starter faktura.toml and a sample invoice that work with the built-in emulator."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", tenant):
        raise InvalidInput("--tenant", [Problem("", "1-40 characters of a-z, 0-9 and '-'")])
    settings, invoice = folder / FILE_NAME, folder / INVOICE_NAME
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(str(folder), [Problem("", "is a file, not a folder")])
    existing = [p.name for p in (settings, invoice) if p.exists()]
    if existing and not force:
        raise InvalidInput(str(folder), [Problem("", (
            f"{' and '.join(existing)} already there; use --force to overwrite"))])
    folder.mkdir(parents=True, exist_ok=True)
    # The settings will hold the Uniconta password: private to the user (0600).
    write_bytes_atomically(settings, STARTER_SETTINGS.format(tenant=tenant).encode("utf-8"),
                           mode=PRIVATE_FILE)
    invoice.write_text(SAMPLE_INVOICE, encoding="utf-8")
    typer.echo(f"wrote {settings} and {invoice}. Next, in {folder}:")
    typer.echo(f"  faktura render {INVOICE_NAME} --out out/     # a draft PDF")
    typer.echo(f"  faktura batch {INVOICE_NAME} --out out/      # issue it (built-in emulator)")
    typer.echo("  faktura archive list                         # the issued invoices")
    typer.echo("  faktura apikey create && faktura serve        # the web page at"
               " http://127.0.0.1:8000/")
