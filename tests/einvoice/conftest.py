"""E-invoice test fixtures: the official validators, loaded once per session, and helpers."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from faktura.settings import Settings
from infra.settings_files import load_settings
from tools_support import need_validators

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

Validate = Callable[[bytes, str], list[Any]]


@pytest.fixture(scope="session")
def official_validator() -> Any:
    """The rule owners' XSD + schematron, compiled once (it takes seconds)."""
    script = need_validators()  # a skip, or on CI an error saying how to get them
    spec = importlib.util.spec_from_file_location("validate_einvoice", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.Validator()


@pytest.fixture
def fatal_findings(official_validator: Any, tmp_path: Path) -> Validate:
    """Validate XML bytes as the given format; return the schema errors and fatal findings."""
    counter = iter(range(1_000_000))

    def validate(xml: bytes, fmt: str) -> list[Any]:
        path = tmp_path / f"document-{next(counter)}.xml"
        path.write_bytes(xml)
        return [f for f in official_validator.validate(path, fmt) if f.level != "warning"]

    return validate


@pytest.fixture(scope="session")
def sample_settings() -> Settings:
    return load_settings(SAMPLES / "settings.toml")


def text(xml: bytes, path: str) -> list[str]:
    """The texts of the elements at an ElementTree path (prefixes cac:, cbc:)."""
    return [element.text or "" for element in ET.fromstring(xml).findall(path, NS)]


def attribute(xml: bytes, path: str, name: str) -> list[str]:
    return [element.get(name, "") for element in ET.fromstring(xml).findall(path, NS)]
