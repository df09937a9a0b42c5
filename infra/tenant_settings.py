"""Which tenants the server serves, with whose settings, and where the API keys are kept.

Tenant settings are plain Faktura settings files, one per tenant (kept simple on purpose):

* `--settings FILE`: one tenant, the file's `tenant`; API keys in `<state_dir>/api-keys.sqlite`;
* `--settings DIR`: every `DIR/<tenant>.toml` is a tenant (the file name must equal the file's
  `tenant` value, so a file cannot claim someone else's name); API keys in
  `DIR/api-keys.sqlite`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from faktura.errors import InvalidInput, Problem
from faktura.settings import Settings
from infra.settings_files import load_settings

KEYS_FILE = "api-keys.sqlite"


@dataclass(frozen=True)
class TenantRegistry:
    """Settings by tenant name, and where the API keys are kept."""

    settings: dict[str, Settings]
    key_store_path: Path | str  # a SQLite file, or the database URL the tenants share

    @classmethod
    def load(cls, path: Path) -> TenantRegistry:
        """From one settings file or a folder of `<tenant>.toml` files."""
        if path.is_dir():
            found: dict[str, Settings] = {}
            for file in sorted(path.glob("*.toml")):
                config = load_settings(file)
                if config.tenant != file.stem:
                    raise InvalidInput(str(file), [Problem(
                        "tenant", f"must equal the file name ({file.stem}) in a folder of"
                        " tenant settings")])
                found[config.tenant] = config
            if not found:
                raise InvalidInput(str(path), [Problem("", "no <tenant>.toml settings files")])
            return cls(found, _key_store(found.values(), path / KEYS_FILE))
        config = load_settings(path)
        return cls({config.tenant: config}, _key_store([config], config.state_dir / KEYS_FILE))

    @classmethod
    def of(cls, *settings: Settings, key_store_path: Path) -> TenantRegistry:
        """From settings objects (tests, embedding)."""
        return cls({s.tenant: s for s in settings}, key_store_path)

    def get(self, tenant: str) -> Settings | None:
        return self.settings.get(tenant)


def _key_store(settings: Iterable[Settings], file: Path) -> Path | str:
    """The API keys live in the tenants' database when they have one, else in `file`."""
    urls = {s.database_url.get_secret_value() for s in settings if s.database_url}
    if len(urls) > 1:
        raise InvalidInput("database_url", [Problem(
            "database_url", "tenants served together must share one database (it holds the"
            " API keys)")])
    return urls.pop() if urls else file
