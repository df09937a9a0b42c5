"""The renderer's version changes with its files and WeasyPrint's release, so a kept preview
is never answered for a renderer that would draw it differently."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from renderer import version


def listed_by_pathlib(folder: Path) -> list[tuple[str, int, int]]:
    return [(str(path.relative_to(folder.parent)), path.stat().st_size,
             path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()]


def listed(folder: Path) -> list[tuple[str, int, int]]:
    return [("/".join(parts), stat.st_size, stat.st_mtime_ns)
            for parts, stat in version._files(folder)]


def test_the_files_are_listed_as_pathlib_lists_them(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "a" / "deep").mkdir(parents=True)
    for name in ("a/b.css", "a-c.css", "a/deep/z.j2", "A.txt", ".hidden", "b.j2"):
        (folder / name).write_text(name)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.css").write_text("x")
    os.symlink(tmp_path / "elsewhere", folder / "linked")
    assert listed(folder) == listed_by_pathlib(folder)
    assert [name for name, _, _ in listed(folder)][:3] == ["templates/.hidden",
                                                          "templates/A.txt",
                                                          "templates/a/b.css"]


def test_the_version_follows_a_changed_template(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "invoice.html.j2").write_text("<p>one</p>")
    monkeypatch.setattr(version, "TEMPLATES_DIR", folder)
    before = version.renderer_version()
    assert version.renderer_version() == before
    (folder / "invoice.html.j2").write_text("<p>two, longer</p>")
    assert version.renderer_version() != before


def test_an_upgraded_package_is_read_again(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    installed = tmp_path / "faktura_probe-1.0.dist-info"
    installed.mkdir()
    (installed / "METADATA").write_text("Name: faktura-probe\nVersion: 1.0\n")
    probe = version._InstalledVersion("faktura-probe")
    assert probe() == "1.0" and probe() == "1.0"
    (installed / "METADATA").unlink()
    installed.rmdir()
    upgraded = tmp_path / "faktura_probe-1.10.dist-info"
    upgraded.mkdir()
    (upgraded / "METADATA").write_text("Name: faktura-probe\nVersion: 1.10\n")
    assert probe() == "1.10"
