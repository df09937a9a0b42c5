"""On CI (`CI=true`) a test that needs a missing tool — the official e-invoice validators,
Chromium, poppler — is an error that says how to get it, not a skip; on a developer's machine
it is a skip with the same words. `.ci/run` installs and checks what the tests need."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tools_support
from tools_support import ROOT, SYSTEM_PACKAGES, need_chromium, need_program, need_validators


@pytest.mark.parametrize("ci", ["true", ""])
def test_a_missing_tool_fails_on_ci_and_skips_elsewhere_saying_how_to_get_it(
    ci: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(tools_support, "VALIDATORS", tmp_path / "no-validators")
    monkeypatch.setattr(tools_support, "CHROMIUM", tmp_path / "no-chromium")
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    for need, how in ((lambda: need_program("no-such-program", "poppler-utils"),
                       "apt-get install poppler-utils"),
                      (need_chromium, "apt-get install chromium"),
                      (need_validators, "../shared/validators")):
        with pytest.raises(outcome) as stopped:
            need()
        assert how in str(stopped.value)


def test_the_e_invoice_tests_are_errors_on_ci_without_the_validators(tmp_path: Path) -> None:
    env = {**os.environ, "CI": "true", "EINVOICE_VALIDATORS": str(tmp_path / "none"),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs",
         "tests/einvoice/test_einvoice_samples.py", "-k", "every_sample"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "skipped" not in done.stdout
    assert "official e-invoice validators" in done.stdout
    assert "../shared/validators" in done.stdout


def test_ci_installs_and_checks_what_the_tests_need() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    listed = re.search(r"for pkg in ([^;]+); do", script)
    assert listed is not None
    assert set(listed.group(1).split()) == set(SYSTEM_PACKAGES)
    assert "validate_einvoice.py" in script and "EINVOICE_VALIDATORS" in script
    assert re.search(r'export CI="\$\{CI:-true\}"', script)


def test_no_test_skips_for_a_missing_tool_on_its_own() -> None:
    """Every skip for a missing tool goes through `tools_support` (or the scale-out tests'
    `unavailable`), so that CI=true turns it into an error."""
    allowed = {"tools_support.py", "scaleout_support.py"}
    own = [f"{path.relative_to(ROOT)}:{number}"
           for path in sorted((ROOT / "tests").rglob("*.py")) if path.name not in allowed
           for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if re.search(r"pytest\.(mark\.skipif|skip)\(", line)]
    assert own == []
