"""The command line's language: English, or Danish when the settings say `[cli] language =
"da"` (or `FAKTURA_CLI__LANGUAGE=da`). It covers the refusals (one line: `fejl: …`, the
fields' messages in Danish as the pages show them) and the summary lines of `batch`, `sync`,
`follow` and `send`; help texts and tables' headings stay English.

The language is read from the settings file itself (not its validation), so a refusal of the
settings is in the language they ask for too.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from faktura.errors import FakturaError, InvalidInput, Problem
from faktura.problem_texts import in_language
from infra.settings_files import find_settings, tenant_file

_WORDS: dict[str, tuple[str, str]] = {
    "error": ("error", "fejl"),
    "batch summary": ("issued {issued} · already issued {already} · failed {failed}",
              "udstedt {issued} · allerede udstedt {already} · fejlet {failed}"),
    "issued": ("issued", "udstedt"),
    "already issued": ("already issued", "allerede udstedt"),
    "failed": ("failed", "fejlet"),
    "posted": ("posted", "bogført"),
    "already posted": ("already posted", "allerede bogført"),
    "drafted": ("drafted", "kladde oprettet"),
    "already drafted": ("already drafted", "kladde allerede oprettet"),
    "attention": ("attention", "kræver opmærksomhed"),
    "none waits": ("no booked invoice needs attention", "ingen bogført faktura venter"),
    "would post": ("would post", "ville bogføre"),
    "calls": ("{calls} Uniconta calls ({each} per invoice)",
              "{calls} kald til Uniconta ({each} pr. faktura)"),
    "nothing booked": ("nothing new booked in Uniconta", "intet nyt bogført i Uniconta"),
    "nothing to send": ("nothing waits to be sent", "intet venter på at blive sendt"),
}


def _settings_file() -> Path | None:
    """The settings file this command reads (`--settings`, else where commands look)."""
    args = sys.argv[1:]
    explicit = None
    for position, arg in enumerate(args):
        if arg == "--settings" and position + 1 < len(args):
            explicit = Path(args[position + 1])
        elif arg.startswith("--settings="):
            explicit = Path(arg.split("=", 1)[1])
    try:
        return tenant_file(find_settings(explicit))
    except (FakturaError, ValueError, OSError):
        return None


@cache
def cli_language() -> str:
    """"da" or "en", as the environment or the settings file asks (English otherwise)."""
    chosen = os.environ.get("FAKTURA_CLI__LANGUAGE")
    if chosen is None:
        path = _settings_file()
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")) if path else {}
        except (OSError, ValueError):
            table = {}
        cli = table.get("cli")
        chosen = cli.get("language") if isinstance(cli, dict) else None
    return "da" if str(chosen).strip().lower() == "da" else "en"


def say(key: str, **values: object) -> str:
    """One of the command line's own lines (or words) in its language (a word it does not
    know as it is)."""
    english, danish = _WORDS.get(key, (key, key))
    return (danish if cli_language() == "da" else english).format(**values)


def in_cli_language(message: str) -> str:
    """A refusal's message in the command line's language."""
    return in_language(message, "da") if cli_language() == "da" else message


def problems_line(problems: Iterable[Problem]) -> str:
    """Problems as one line, each message in the command line's language."""
    return "; ".join(str(Problem(p.field, in_cli_language(p.message))) for p in problems)


def described(error: BaseException) -> str:
    """What an error says, in the command line's language (its fields' paths as they are)."""
    if isinstance(error, InvalidInput) and cli_language() == "da":
        body = problems_line(error.problems)
        return f"{error.source}: {body}" if error.source else body
    return in_cli_language(str(error))


def refusal(error: BaseException) -> str:
    """An error as the one line a command prints: `error: …` (`fejl: …`)."""
    return f"{say('error')}: {described(error)}"
