"""The command line's language, as a person meets it: English by default; Danish refusals and
summary lines when the settings say `[cli] language = "da"` (or FAKTURA_CLI__LANGUAGE=da),
the fields' paths unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from people_support import environment, faktura, settings_outside

BAD = {"source_id": "CLI-BAD", "issue_date": "2026-11-02", "customer": {"customer_number": "1"},
       "lines": [{"text": "t", "quantity": "many", "unit_price": "1"}]}


def _folder(tmp_path: Path, language: str | None) -> tuple[Path, Path]:
    settings = settings_outside(tmp_path)
    if language:
        text = settings.read_text(encoding="utf-8")
        settings.write_text(text.replace('[cli]\nlanguage = "en"',
                                         f'[cli]\nlanguage = "{language}"'), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(BAD), encoding="utf-8")
    return tmp_path, settings


def test_refusals_and_summaries_are_danish_when_the_settings_say_so(tmp_path: Path) -> None:
    folder, settings = _folder(tmp_path, "da")
    refused = faktura(folder, settings, "render", "bad.json", "--out", "bad.pdf")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "fejl: bad.json: customer.name: skal udfyldes; lines[0].quantity: skal være et tal"
        " skrevet med cifrene 0-9 og evt. et decimalpunktum")
    batch = faktura(folder, settings, "batch", "bad.json", "--workers", "0")
    assert batch.returncode == 1
    assert "udstedt 0 · allerede udstedt 0 · fejlet 1" in batch.stdout
    assert "fejlet" in batch.stdout and "customer.name: skal udfyldes" in batch.stdout
    assert "Field required" not in batch.stdout + batch.stderr
    unsent = faktura(folder, settings, "send", "--pending")
    assert unsent.returncode == 2
    assert unsent.stderr.strip() == ("fejl: delivery.host er ikke udfyldt: fakturaer sendes med"
                                     " e-mail gennem en SMTP-server i [delivery]")


def test_english_by_default_and_danish_from_the_environment(tmp_path: Path) -> None:
    folder, settings = _folder(tmp_path, None)
    refused = faktura(folder, settings, "render", "bad.json", "--out", "bad.pdf")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: bad.json: customer.name: Field required;")
    danish = subprocess.run(
        [sys.executable, "-m", "cli.main", "render", "bad.json", "--out", "bad.pdf"],
        cwd=folder, env=environment(settings, FAKTURA_CLI__LANGUAGE="da"), capture_output=True,
        text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert danish.stderr.startswith("fejl: bad.json: customer.name: skal udfyldes;")
