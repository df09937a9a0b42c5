"""An invoice renders to the same bytes on a machine with HarfBuzz's font subsetter
(`libharfbuzz-subset0`) and on one without it, at any time: a resumed batch, or another
worker, finds the very PDF it archived before.

Each render runs in its own process (the subsetter is chosen when WeasyPrint is imported);
the second has WeasyPrint's fallback path forced, as on a machine without the library."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent

RENDER = """
import sys
from pathlib import Path
if sys.argv[1] == "without-harfbuzz-subset":
    import weasyprint.pdf.fonts
    import weasyprint.text.ffi
    weasyprint.text.ffi.harfbuzz_subset = None
    weasyprint.pdf.fonts.harfbuzz_subset = None
from infra.invoice_file import load_invoice
from infra.settings_files import load_settings
from renderer.render import Renderer

settings = load_settings(Path("samples/settings.toml"))
renderer = Renderer()
for name in sys.argv[3:]:
    _, pdf = renderer.render(load_invoice(Path("samples") / name), settings)
    (Path(sys.argv[2]) / (name + ".pdf")).write_bytes(pdf)
"""

SAMPLES = ["01-one-line.json", "04-mixed-vat.json"]


def render_in_own_process(mode: str, out: Path) -> dict[str, bytes]:
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", RENDER, mode, str(out), *SAMPLES], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HarfBuzz" not in done.stderr and "harfbuzz" not in done.stderr  # nothing to warn of
    return {name: (out / f"{name}.pdf").read_bytes() for name in SAMPLES}


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("reproducible")
    return {mode: render_in_own_process(mode, folder / mode)
            for mode in ("as-installed", "without-harfbuzz-subset")}


def test_the_same_bytes_with_or_without_harfbuzz_subsetting(
    renders: dict[str, dict[str, bytes]],
) -> None:
    for name in SAMPLES:
        with_it, without = renders["as-installed"][name], renders["without-harfbuzz-subset"][name]
        assert with_it.startswith(b"%PDF-")
        assert with_it == without, f"{name}: {len(with_it)} and {len(without)} bytes"


def test_an_embedded_font_carries_its_own_dates_not_the_time_of_the_render(
    renders: dict[str, dict[str, bytes]],
) -> None:
    originals = {TTFont(path, lazy=True)["head"].modified
                 for path in (ROOT / "fonts").glob("*.otf")}
    seen = 0
    for pdf in renders["without-harfbuzz-subset"].values():
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
            for font in page["/Resources"]["/Font"].values():
                descriptor = font.get_object()["/DescendantFonts"][0].get_object()[
                    "/FontDescriptor"].get_object()
                stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
                face = TTFont(io.BytesIO(stream.get_object().get_data()))
                assert face["head"].modified in originals, descriptor["/FontName"]
                seen += 1
    assert seen
