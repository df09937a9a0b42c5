"""Faktura from a folder outside the repository, with only FAKTURA_SETTINGS set: the README's
batch, then `archive list` (the six invoices, Danish amounts), `archive verify`, `apikey`
create, list and revoke, and `serve` — all real subprocesses."""

from __future__ import annotations

from pathlib import Path

import httpx
from people_support import faktura, serving


def test_the_batch_issues_the_six_samples_into_the_settings_archive(
        issued_outside: tuple[Path, Path]) -> None:
    folder, settings = issued_outside
    assert len(list((folder / "out").glob("*.pdf"))) == 6
    assert (settings.parent.parent / "var" / "archive" / "index.sqlite").is_file()


def test_archive_list_shows_the_six_invoices_in_danish_amounts(
        issued_outside: tuple[Path, Path]) -> None:
    folder, settings = issued_outside
    done = faktura(folder, settings, "archive", "list")
    assert done.returncode == 0, done.stderr
    assert "revisorhuset" in done.stdout
    assert "6 shown" in done.stdout
    assert "DKK 15.625,00" in done.stdout  # 01-one-line: 12.500,00 + 25 % VAT


def test_archive_verify_and_get(issued_outside: tuple[Path, Path]) -> None:
    folder, settings = issued_outside
    verified = faktura(folder, settings, "archive", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "Verified 6 archived invoices" in verified.stdout
    number = sorted(p.stem for p in (folder / "out").glob("*.pdf"))[0]
    got = faktura(folder, settings, "archive", "get", number, "--out", folder)
    assert got.returncode == 0, got.stderr
    assert (folder / f"{number}.pdf").read_bytes() == (folder / "out" / f"{number}.pdf"
                                                       ).read_bytes()


def test_without_any_settings_the_error_says_where_to_put_them(tmp_path: Path) -> None:
    done = faktura(tmp_path, tmp_path / "nowhere.toml", "archive", "list")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "nowhere.toml" in done.stderr and "settings file not found" in done.stderr


def test_api_keys_are_created_listed_and_revoked(issued_outside: tuple[Path, Path]) -> None:
    folder, settings = issued_outside
    created = faktura(folder, settings, "apikey", "create", "--label", "kontoret")
    assert created.returncode == 0, created.stderr
    key_id = created.stderr.split("key id ")[1].split()[0]
    listed = faktura(folder, settings, "apikey", "list")
    assert key_id in listed.stdout and "kontoret" in listed.stdout and "active" in listed.stdout
    assert created.stdout.strip() not in listed.stdout  # the key itself is never shown again
    revoked = faktura(folder, settings, "apikey", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in faktura(folder, settings, "apikey", "list").stdout
    unknown = faktura(folder, settings, "apikey", "revoke", "nosuchkey")
    assert unknown.returncode == 2 and "no API key with id nosuchkey" in unknown.stderr


def test_serve_serves_the_archive_and_local_docs(issued_outside: tuple[Path, Path]) -> None:
    folder, settings = issued_outside
    key = faktura(folder, settings, "apikey", "create").stdout.strip()
    with serving(folder, settings) as base:
        listed = httpx.get(f"{base}/v1/archive", headers={"Authorization": f"Bearer {key}"})
        assert listed.status_code == 200 and len(listed.json()["items"]) == 6
        docs = httpx.get(f"{base}/docs").text
        assert "cdn" not in docs.lower() and "/static/swagger/swagger-ui-bundle.js" in docs
        assert httpx.get(f"{base}/static/swagger/swagger-ui-bundle.js").status_code == 200
        redoc = httpx.get(f"{base}/redoc").text
        assert "cdn" not in redoc.lower() and "fonts.googleapis" not in redoc
        assert httpx.get(f"{base}/static/redoc/redoc.standalone.js").status_code == 200
        assert httpx.get(f"{base}/", follow_redirects=False).headers["location"] == "/login"
