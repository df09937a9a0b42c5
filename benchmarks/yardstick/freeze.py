"""Freeze the rendering yardstick: the HTML and CSS the renderer produced before any speed work.

Run once; the frozen files are the fixed baseline that `benchmarks/bench_render.py` compares
the project's renderer against (plain WeasyPrint on this HTML). Re-running it would move the
yardstick, so it refuses to overwrite existing files unless given `--force`.

    python benchmarks/yardstick/freeze.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))

from cases import CASES  # noqa: E402

from renderer.document import build_view  # noqa: E402
from renderer.render import STYLESHEET, Renderer  # noqa: E402


def main() -> None:
    force = "--force" in sys.argv
    css_out = HERE / "invoice.css"
    outputs = [css_out] + [HERE / f"{case.name}.html" for case in CASES]
    if not force and any(path.exists() for path in outputs):
        sys.exit("yardstick already frozen (use --force to move it)")
    # fonts are referenced from the repository's fonts/ folder, two levels up
    css_out.write_text(STYLESHEET.read_text(encoding="utf-8").replace(
        'url("../fonts/', 'url("../../fonts/'), encoding="utf-8")
    renderer = Renderer()
    for case in CASES:
        view = build_view(case.invoice(), case.settings())
        html = renderer.html(view).replace(
            "</head>", '<link rel="stylesheet" href="invoice.css">\n</head>', 1)
        (HERE / f"{case.name}.html").write_text(html, encoding="utf-8")
        print(f"froze {case.name}.html")


if __name__ == "__main__":
    main()
