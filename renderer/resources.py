"""The only URLs a rendered document may load.

Templates and fonts sit in the project's top-level `templates/` and `fonts/` folders (in a
wheel they are installed inside the `renderer` package). The document may load files from
those two folders and `data:` URLs (the logo is embedded as one) and nothing else: no
network, no other `file:` path, whatever an invoice's text contains. A refused URL is left
out of the page (WeasyPrint logs it and goes on), so markup that slipped into a document
cannot fetch anything, nor stop the render with an error that escapes the caller's handlers.

A PNG logo is embedded as a JPEG (quality 95, no chroma subsampling) flattened onto the white
paper it is printed on: the PDF can carry a JPEG as it is, while a PNG would be decoded and
compressed again on every render.
"""

from __future__ import annotations

import base64
import io
import mimetypes
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image, UnidentifiedImageError
from weasyprint.urls import URLFetcher, URLFetchingError

from faktura.errors import FakturaError
from renderer.paths import FONTS_DIR, TEMPLATES_DIR

LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg"}
LOGO_MAX_BYTES = 2 * 1024 * 1024


class ResourceError(FakturaError):
    """A resource the layout needs (the logo) cannot be used."""


class RefusedURL(URLFetchingError):
    """A URL that is not one of the renderer's own resources: never fetched."""


class ProjectOnlyFetcher(URLFetcher):
    """Fetch `data:` URLs and files under the project's template and font folders only."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self._roots = (TEMPLATES_DIR.resolve(), FONTS_DIR.resolve())

    def fetch(self, url: str, headers: dict[str, str] | None = None):  # type: ignore[override]
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise RefusedURL(f"refused to load {path.name}: outside the project's"
                                 " template and font folders")
        elif not url.startswith("data:"):
            raise RefusedURL("refused to load a resource that is not part of the project")
        return super().fetch(url, headers)


@cache
def logo_data_url(path: Path) -> str:
    """The logo as a `data:` URL, read once per process."""
    suffix = path.suffix.lower()
    if suffix not in LOGO_TYPES:
        raise ResourceError(f"seller.logo: {path.name} is not an SVG, PNG or JPEG file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ResourceError(f"seller.logo: cannot read {path.name} ({error.strerror})") from None
    if len(data) > LOGO_MAX_BYTES:
        raise ResourceError(f"seller.logo: {path.name} is larger than 2 MB")
    mime = LOGO_TYPES[suffix] or mimetypes.guess_type(path.name)[0]
    if mime == "image/png":
        data, mime = _png_as_jpeg(data, path.name), "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _png_as_jpeg(data: bytes, name: str) -> bytes:
    """The PNG on white paper, as a JPEG the PDF embeds without recompressing it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ResourceError(f"seller.logo: {name} is not a readable PNG image") from None
    paper = Image.new("RGB", rgba.size, "white")
    paper.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    paper.save(out, format="JPEG", quality=95, subsampling=0)
    return out.getvalue()
