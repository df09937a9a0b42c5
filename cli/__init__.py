"""The `faktura` command line: every command, one module each, registered by `cli.main`.

`render`, `einvoice`, `archive`, `timelog` (`faktura import …`), `emulator`
(`faktura uniconta-emulator`), `serve` (`faktura serve`, `faktura apikey …`), `batch`, `sync`,
`balance`, `fik`, `init`, `worker`, `db`; options several commands share live in `options`.
No command imports another, and nothing imports this package.
"""
