"""Faktura: the invoice core — model, money and VAT, FIK payment lines, settings, CLI."""
