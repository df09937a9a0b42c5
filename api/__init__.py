"""The HTTP API (FastAPI): preview, issuing, batches and archive lookup, per tenant.

`app` builds the application; `routes_*` hold the routes by resource; `auth` and `tenants`
decide who is asking and which settings apply; `problems` turns every error into
problem+json naming the field; `body` and `limits` read request bodies safely.
"""
