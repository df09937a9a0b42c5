"""Faktura's domain: the invoice model, money and VAT, the computed invoice, FIK, settings and
errors; it imports nothing else of the project."""
