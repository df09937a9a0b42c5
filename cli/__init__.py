"""The `faktura` command line: the root that registers every package's commands.

Commands that belong to one adapter live beside it (`renderer/cli.py`, `archive/cli.py`,
`sync/timelog/cli.py`, `sync/emulator/cli.py`, `api/cli.py`); the ones that span rooms live
here (`batch`, `sync`, `balance`) with the FIK tool (`fik`). Nothing imports this package.
"""
