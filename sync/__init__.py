"""The sync core: the only code that talks to Uniconta.

* `sync.uniconta` — the transports (gateway contract, official REST), their HTTP core, wire
  format and typed errors;
* `sync.posting` — exactly-once posting: engine, ledger, master data, mapping, sync log;
* `sync.timelog` — the TimeLog direction: imports from Uniconta in TimeLog's shape;
* `sync.emulator` — a faithful Uniconta gateway emulator (a separate process in production).
"""
