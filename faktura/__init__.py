"""Faktura's domain: the invoice model, money and VAT, the computed invoice, FIK, settings, errors."""
