"""The e-invoice formats: one protocol, one registry, one module per format.

A format is an object with the `EInvoiceFormat` protocol (its name, title, archive label,
file-name suffix, media type, whether buyers with an EAN get it, and how to build and check a
document). The formats the product ships are listed once, in `BUILT_IN`; another package adds
one with `register(...)` or, installed, with an entry point in the group
`faktura.einvoice_formats` naming its format object (see docs/einvoice-formats.md). The
settings hold a format's name as plain text, checked here (`check_settings`) where a process
is put together, so the domain never imports this package.
"""

from __future__ import annotations

import importlib
import re
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from faktura.computed import ComputedInvoice
from faktura.errors import InvalidInput, Problem
from faktura.settings import EINVOICE_FORMAT_NAME, Settings

#: The modules of the formats the product ships; each has a `FORMAT`.
BUILT_IN = ("einvoice.formats.oioubl", "einvoice.formats.peppol")
#: Installed packages name their format object here (`module:attribute`).
ENTRY_POINT_GROUP = "faktura.einvoice_formats"
#: A name or archive label: short lower-case text (the archive keeps 16 characters).
NAME = re.compile(EINVOICE_FORMAT_NAME)


@runtime_checkable
class EInvoiceFormat(Protocol):
    """What issuing, the command line, the settings and the archive ask of a format."""

    name: str  # in the settings (`[einvoice] format`) and on the command line: "peppol"
    title: str  # the XML's description inside the PDF/A-3: "Peppol BIS Billing 3.0"
    media_type: str  # "application/xml"
    serves_ean_buyers: bool  # the one format a buyer with an EAN (NemHandel) gets

    @property
    def label(self) -> str:
        """The archive's label for documents of this format (`xml_format`)."""
        ...

    @property
    def file_suffix(self) -> str:
        """What follows the invoice number in the document's file name: "-peppol.xml"."""
        ...

    def build(self, computed: ComputedInvoice, settings: Settings) -> bytes:
        """The document of a numbered computed invoice, as bytes (unchecked)."""
        ...

    def problems(self, computed: ComputedInvoice, settings: Settings) -> list[Problem]:
        """Every rule of this format the invoice breaks; empty when it may be sent."""
        ...


_REGISTRY: dict[str, EInvoiceFormat] = {}
_loaded = False


def register(fmt: EInvoiceFormat) -> EInvoiceFormat:
    """Offer a format to issuing, the command line, the settings and the archive."""
    for what, value in (("name", fmt.name), ("archive label", fmt.label)):
        if not NAME.match(value):
            raise ValueError(f"an e-invoice format's {what} is 1–16 lower-case letters, digits,"
                             f" '-' or '_', starting with a letter: {value!r}")
    known = _REGISTRY.get(fmt.name)
    if known is not None and known is not fmt:
        raise ValueError(f"an e-invoice format named {fmt.name!r} is registered already")
    if any(other.label == fmt.label for other in _REGISTRY.values() if other is not fmt):
        raise ValueError(f"an e-invoice format labelled {fmt.label!r} is registered already")
    _REGISTRY[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Withdraw a format (a plug-in's tests)."""
    _REGISTRY.pop(name, None)


def _load() -> dict[str, EInvoiceFormat]:
    """The registry, with the built-in and installed formats in it (once per process)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILT_IN:
            register(importlib.import_module(module).FORMAT)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            register(entry.load())
    return _REGISTRY


def names() -> tuple[str, ...]:
    """The names of every format on offer, the built-in ones first."""
    return tuple(_load())


def get(name: str) -> EInvoiceFormat:
    """The format of that name, or `InvalidInput` naming `einvoice.format` and the choices."""
    found = _load().get(name)
    if found is None:
        raise InvalidInput("settings", [Problem(
            "einvoice.format", f"is not an e-invoice format; use one of: {', '.join(names())}")])
    return found


def for_ean_buyers() -> EInvoiceFormat:
    """The format a buyer with an EAN (GLN) gets: NemHandel's."""
    serving = [fmt for fmt in _load().values() if fmt.serves_ean_buyers]
    if len(serving) != 1:
        raise ValueError("exactly one e-invoice format serves buyers with an EAN; registered:"
                         f" {', '.join(fmt.name for fmt in serving) or 'none'}")
    return serving[0]


def check_settings(settings: Settings) -> None:
    """Refuse settings naming a format that is not on offer (`InvalidInput`)."""
    get(settings.einvoice.format)
