"""The renderer fetches nothing a customer's text names: a loopback server that records every
request it gets stays unasked, whether the text is escaped by the template (the invoice's
fields) or reaches the layout engine as markup (`pdf_from_html`, what a template hole would
let through). The PDF is made all the same: a refused URL is left out, not an error."""

from __future__ import annotations

import io
import re
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pypdf
import pytest

from faktura.model import Invoice
from faktura.settings import Settings
from renderer.render import Renderer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on a free loopback port: (its base URL, the paths it was asked for)."""
    asked: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the server's name for it
            asked.append(self.path)
            body = b"p { color: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def hostile(base: str) -> str:
    """Markup and CSS that would each load something from `base` if a browser read them."""
    return (f'<style>@import url({base}/import.css);</style>'
            f'<link rel="stylesheet" href="{base}/link.css">'
            f'<img src="{base}/img.png">'
            f'<p style="background: url({base}/bg.png)">x</p>'
            f' url({base}/plain) @font-face {{ src: url({base}/font.otf) }}')


def test_a_customer_text_cannot_make_the_renderer_fetch_anything(
    listener: tuple[str, list[str]], settings: Settings, renderer: Renderer,
) -> None:
    base, asked = listener
    payload = hostile(base)
    invoice = Invoice.model_validate({
        "source_id": "X-1", "issue_date": "2026-11-02", "invoice_number": "77",
        "customer": {"customer_number": "9", "name": "Kunde A/S",
                     "address": {"line1": f"<img src=\"{base}/a.png\">", "city": "Aarhus"}},
        "header": payload, "note": payload,
        "lines": [{"text": payload, "quantity": "1", "unit_price": "100", "unit": "stk."}],
    })
    _, pdf = renderer.render(invoice, settings)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert f"{base}/img.png" in re.sub(r"\s+", "", text)  # printed, as text
    assert asked == []


def test_markup_that_reaches_the_layout_engine_fetches_nothing(
    listener: tuple[str, list[str]], renderer: Renderer,
) -> None:
    base, asked = listener
    html = f"<!DOCTYPE html><html><head></head><body><h1>Faktura</h1>{hostile(base)}</body></html>"
    pdf = renderer.pdf_from_html(html)
    assert pdf.startswith(b"%PDF-")
    assert asked == []


def test_the_renderer_needs_a_weasyprint_with_its_security_fixes() -> None:
    """WeasyPrint 68, 69 and 70 each fixed a security flaw: the project asks for 70 or later,
    and that is what is installed."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    weasyprint = [d for d in dependencies if re.match(r"weasyprint\b", d, re.I)]
    assert len(weasyprint) == 1
    floor = re.search(r">=\s*([0-9]+)", weasyprint[0])
    assert floor is not None and int(floor.group(1)) >= 70, weasyprint[0]
    assert int(version("weasyprint").split(".")[0]) >= 70
