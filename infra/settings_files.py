"""Finding and reading the settings file.

Where it is: `--settings`, else `FAKTURA_SETTINGS`, else `./faktura.toml`, else
`faktura.toml` in the user's config folder (e.g. `~/.config/faktura/` on Linux).
`load_settings` reads one TOML file into the domain's `Settings`.

`find_settings` is called once by each command, at the edge; everything below it gets a path.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faktura.errors import InvalidInput, Problem
from faktura.settings import Settings, build_settings

ENV_VAR = "FAKTURA_SETTINGS"
FILE_NAME = "faktura.toml"
SETTINGS_HELP = (f"Settings TOML (default: ${ENV_VAR}, ./{FILE_NAME}, or {FILE_NAME} in the"
                 " user config folder)")


def load_settings(path: Path | None) -> Settings:
    """Settings from a TOML file (may be None: environment only), overridden by the environment.

    Errors name the file, the setting and the problem, never a value.
    """
    source = str(path) if path else "environment"
    if path is None:
        return build_settings({}, source)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(source, [Problem("", "settings file not found")]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInput(source, [Problem("", f"not valid TOML ({error})")]) from None
    return build_settings(data, source, path.parent)


def user_settings_path() -> Path:
    """`faktura.toml` in the user's config folder (platform dependent)."""
    from platformdirs import user_config_path

    return user_config_path("faktura", appauthor=False) / FILE_NAME


def find_settings(explicit: Path | None = None, *, environ: Mapping[str, str] | None = None,
                  cwd: Path | None = None, user_path: Path | None = None) -> Path:
    """The settings file (or folder of tenant files) to use, by the search order above.

    An explicit path or `FAKTURA_SETTINGS` is taken as given (a missing file is then reported
    by `load_settings`); the two search places count only when the file exists.
    """
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    local = (cwd or Path.cwd()) / FILE_NAME
    user = user_path or user_settings_path()
    for candidate in (local, user):
        if candidate.is_file():
            return candidate
    raise InvalidInput("settings", [Problem("", (
        f"no settings found: give --settings FILE, set {ENV_VAR}, or run `faktura init`"
        f" (looked for ./{FILE_NAME} and {user})"))])


def tenant_file(path: Path, tenant: str | None = None) -> Path:
    """One tenant's settings file: `path` itself, or `<tenant>.toml` in a folder of them
    (a folder with a single file needs no tenant)."""
    if not path.is_dir():
        return path
    if tenant is not None:
        return path / f"{tenant}.toml"
    files = sorted(path.glob("*.toml"))
    if len(files) == 1:
        return files[0]
    names = ", ".join(f.stem for f in files) or "none"
    raise InvalidInput(str(path), [Problem("tenant", (
        f"a folder of tenant settings: choose one with --tenant (tenants: {names})"))])


def discover(explicit: Path | None = None, tenant: str | None = None) -> Settings:
    """Find and load one tenant's settings (the commands' usual first step)."""
    return load_settings(tenant_file(find_settings(explicit), tenant))
