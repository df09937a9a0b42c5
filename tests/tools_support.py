"""What a fresh machine needs for the whole suite, and one way to say that a tool is missing:
a skip on a developer's machine, an error on CI (`CI=true`), always with how to get it.

`.ci/run` installs the same list (`SYSTEM_PACKAGES`) and checks the validators' folder
before it runs the tests, so the two agree on what a fresh machine needs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Debian packages the tests use beyond Python's: WeasyPrint's libraries, poppler's
#: pdftotext and pdffonts, and the browser the pages are tested in.
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "poppler-utils", "chromium")
CHROMIUM = Path("/usr/bin/chromium")
#: The official e-invoice validators: beside the repository (never copied into it), or
#: where `EINVOICE_VALIDATORS` says.
VALIDATORS = Path(os.environ.get("EINVOICE_VALIDATORS") or ROOT / ".." / "shared" / "validators")


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def tool_missing(what: str, how: str) -> NoReturn:
    """Skip the test (fail it on CI) because `what` is missing; `how` says how to get it."""
    message = f"{what} is missing: {how}"
    if on_ci():
        pytest.fail(f"CI=true: every test must run here, but {message}", pytrace=False)
    pytest.skip(message)


def need_program(name: str, package: str) -> None:
    """The program `name` on the PATH (from the Debian package `package`)."""
    if shutil.which(name) is None:
        tool_missing(f"{name} ({package})", f"apt-get install {package}")


def need_chromium() -> Path:
    """Debian's Chromium, which the browser tests drive through Playwright."""
    if not CHROMIUM.exists():
        tool_missing(f"Chromium at {CHROMIUM}", "apt-get install chromium (Debian's build;"
                     " Playwright drives it, no `playwright install` needed)")
    return CHROMIUM


def need_validators() -> Path:
    """The official e-invoice validators' script (`validate_einvoice.py`)."""
    script = VALIDATORS / "validate_einvoice.py"
    if not script.is_file():
        tool_missing(f"the official e-invoice validators ({script.resolve()})",
                     "put the shared validators folder (validate_einvoice.py, oioubl-1.17.2/,"
                     " peppol-bis3-2026.5/) at ../shared/validators beside the repository, or"
                     " set EINVOICE_VALIDATORS to its path; they need"
                     " pip install 'saxonche>=12,<13' xmlschema")
    return script
