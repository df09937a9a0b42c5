"""Where the renderer's own files live: the project's top-level `templates/` and `fonts/`
folders (in a wheel they are installed inside the `renderer` package). Nothing here imports
WeasyPrint, so a process that only needs to know the files (the API server's kept previews,
`renderer.version`) does not load it."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    installed = _PACKAGE / name  # wheel: force-included into the package
    return installed if installed.is_dir() else _PACKAGE.parent / name


TEMPLATES_DIR = _resource_dir("templates")
FONTS_DIR = _resource_dir("fonts")
STYLESHEET = TEMPLATES_DIR / "invoice.css"
USER_AGENT_STYLESHEET = TEMPLATES_DIR / "user-agent.css"
