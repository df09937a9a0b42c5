"""E-invoices: OIOUBL 2.1 and Peppol BIS Billing 3.0 (UBL 2.1) from the computed invoice."""
