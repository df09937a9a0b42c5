"""The examples in the docstrings are run, so the documentation cannot drift from the code."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["faktura.money", "faktura.timelog", "faktura.errors", "faktura.identifiers",
           "faktura.fik.mod10", "renderer.formatting", "faktura.vatid", "faktura.units",
           "einvoice.formats.oioubl", "faktura.payment_info", "faktura.printable",
           "faktura.problem_texts", "faktura.payment"]
MODULES += ["issuing.renderpool", "api.server", "renderer.fastpaths", "renderer.styles"]  # Retry-After's estimate, proxy exemption
MODULES += ["renderer.layoutpaths", "renderer.drawpaths", "renderer.writepaths", "renderer.framestack"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
