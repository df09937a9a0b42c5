"""Where the settings are found: --settings, FAKTURA_SETTINGS, ./faktura.toml, the user's
config folder; and `faktura init`, whose starter files work as written."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from cli.init import init_command
from cli.main import app
from faktura.errors import InvalidInput
from infra.settings_files import discover, find_settings, load_settings, tenant_file

ROOT = Path(__file__).resolve().parent.parent


def place(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


def test_the_search_order(tmp_path: Path) -> None:
    cwd, user = tmp_path / "here", tmp_path / "config" / "faktura.toml"
    cwd.mkdir()
    explicit, env = tmp_path / "given.toml", tmp_path / "env.toml"
    look = {"cwd": cwd, "user_path": user}

    with pytest.raises(InvalidInput, match="faktura init") as nothing:
        find_settings(None, environ={}, **look)
    assert "FAKTURA_SETTINGS" in str(nothing.value) and str(user) in str(nothing.value)
    place(user)
    assert find_settings(None, environ={}, **look) == user
    local = place(cwd / "faktura.toml")
    assert find_settings(None, environ={}, **look) == local
    assert find_settings(None, environ={"FAKTURA_SETTINGS": str(env)}, **look) == env
    assert find_settings(explicit, environ={"FAKTURA_SETTINGS": str(env)}, **look) == explicit


def test_a_folder_of_tenants_needs_a_tenant_unless_it_holds_one(tmp_path: Path) -> None:
    one = place(tmp_path / "alpha.toml")
    assert tenant_file(tmp_path) == one
    place(tmp_path / "beta.toml")
    with pytest.raises(InvalidInput, match="--tenant .*alpha, beta"):
        tenant_file(tmp_path)
    assert tenant_file(tmp_path, "beta") == tmp_path / "beta.toml"


def test_the_samples_keep_working_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKTURA_SETTINGS", raising=False)
    config = discover(ROOT / "samples" / "settings.toml")
    assert config.tenant == "revisorhuset"
    assert config.archive_dir == ROOT / "samples" / ".." / "var" / "archive"


def test_init_writes_settings_and_an_invoice_that_render(tmp_path: Path) -> None:
    from infra.invoice_file import load_invoice
    from renderer.render import Renderer

    init = CliRunner().invoke(app, ["init", str(tmp_path / "firm"), "--tenant", "min-firma"])
    assert init.exit_code == 0, init.output
    settings = load_settings(tmp_path / "firm" / "faktura.toml")
    assert settings.tenant == "min-firma"
    assert settings.archive_dir == tmp_path / "firm" / "var" / "archive"
    text = (tmp_path / "firm" / "faktura.toml").read_text(encoding="utf-8")
    assert text.count("#") > 20  # commented
    invoice = load_invoice(tmp_path / "firm" / "invoice.json")
    _, pdf = Renderer().render(invoice, settings, draft=True)
    (tmp_path / "draft.pdf").write_bytes(pdf)
    page = pypdf.PdfReader(tmp_path / "draft.pdf").pages[0]
    assert "Bageriet Kornblomsten" in page.extract_text()


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "faktura.toml").write_text("# mine", encoding="utf-8")
    again = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert again.exit_code != 0 and "--force" in str(again.exception or again.output)
    assert (tmp_path / "faktura.toml").read_text(encoding="utf-8") == "# mine"
    with pytest.raises(InvalidInput, match="tenant"):
        init_command(tmp_path / "other", tenant="Not A Slug", force=False)
    assert not (tmp_path / "other").exists()
