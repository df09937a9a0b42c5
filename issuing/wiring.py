"""Wire the issuing pipeline for one tenant: posting engine, archive and renderer.

Settings are read at the edge (CLI, API start-up) and passed in; everything opened here is
closed when the context ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from archive.open import open_archive
from einvoice.formats import check_settings
from faktura.settings import Settings
from issuing.delivery import automatic_delivery
from issuing.pipeline import Issuer
from renderer.render import Renderer
from sync.connect import open_engine


@contextmanager
def open_issuer(settings: Settings, renderer: Renderer | None = None) -> Iterator[Issuer]:
    """An Issuer for the settings' tenant; everything it opened is closed on exit. Settings
    naming an e-invoice format not on offer are refused first (`InvalidInput`)."""
    check_settings(settings)
    with ExitStack() as stack:
        engine = stack.enter_context(open_engine(settings))
        archive = open_archive(settings)
        stack.callback(archive.close)
        if settings.delivery.automatic:  # e-mail each invoice as it is archived
            archive = stack.enter_context(automatic_delivery(settings, archive))
        yield Issuer(settings, poster=engine, archive=archive, renderer=renderer)
