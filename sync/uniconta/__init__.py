"""Talking to Uniconta: the gateway contract and the official REST service.

`gateway` and `rest` are the two transports over one HTTP core (`http`: retries, call
statistics, redaction); `wire` is the JSON shape and filters, `records` the values Uniconta
answers with, `errors` the typed errors (drawn in its docstring).
"""
