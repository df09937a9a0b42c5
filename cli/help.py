"""Readable `--help`: placeholders a person understands (`PATH`, `N`, `PATHS...`), no type names.

Typer prints each parameter's Python type (`<bool>`, `<list[Path]>`, `{paths}`); `readable`
gives every parameter of a command tree a plain metavar instead.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, get_args

from typer.core import TyperArgument

_BY_TYPE: dict[Any, str] = {Path: "PATH", int: "N", float: "NUMBER", str: "TEXT",
                            datetime: "YYYY-MM-DD"}


def _metavar(param: Any) -> str:
    name = (param.name or "value").upper()
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and not isinstance(param, TyperArgument):
        if desc.is_choice:
            return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
        annotation = desc.annotation
        if desc.is_list and get_args(annotation):
            annotation = get_args(annotation)[0]
        name = _BY_TYPE.get(annotation, name)
    return f"{name}..." if param.nargs != 1 else name


def _argument(param: Any) -> None:
    """An argument is shown by its name alone: `INVOICE`, `[SOURCE_ID]`, `PATHS...`."""
    shown = param.metavar
    param._usage_display_name = lambda: shown if param.required else f"[{shown}]"
    param.display_type_rich = lambda ctx: None


def plain_help_option(command: Any) -> None:
    """`--help` is a flag: no `<bool>` beside it."""
    original = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def readable(command: Any) -> Any:
    """Set plain metavars on `command` and every subcommand (in place); returns `command`."""
    for param in command.params:
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif param.metavar is None or str(param.metavar).startswith(("<", "{")):
            param.metavar = _metavar(param)
        if isinstance(param, TyperArgument):
            _argument(param)
    plain_help_option(command)
    for sub in getattr(command, "commands", {}).values():
        readable(sub)
    return command
