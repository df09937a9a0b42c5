"""Posting invoices to Uniconta exactly once.

`engine` drives each invoice through the `ledger` (validated → order created → posted →
archived); `masterdata` keeps debtors, contacts, employees and projects current; `mapping`
turns the domain's invoice into Uniconta's fields; `catalogue` holds the imported items and
the product-number principle; `numbers` reads the invoice number Uniconta will give, before
posting; `log` is the JSON-lines sync log.
"""
