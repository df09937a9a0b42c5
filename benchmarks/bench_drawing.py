"""Drawing's short paths, A/B — run by hand, not part of the test suite.

    python benchmarks/bench_drawing.py [one-page|200-lines] [--pairs 25] [--only NAME,NAME]

Lays out a case of `benchmarks/cases.py` once (as the content layer the product writes), then
times `Renderer._write` of it, interleaved A/B/A/B: (A) with `renderer.drawpaths`'s
replacements undone, (B) with them; every other short path stays as it is. `--only` toggles
only the replacements of those attribute names (`draw_text`, `set_color`, ...). Prints the
medians of the CPU time and the ratio B/A (below 1 is faster), after checking that both ways
write the same bytes, and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from cases import CASES  # noqa: E402

from renderer import drawpaths, fastpaths  # noqa: E402
from renderer.collector import collector_paused  # noqa: E402
from renderer.document import build_view  # noqa: E402
from renderer.render import Renderer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", nargs="?", default="200-lines",
                        choices=[case.name for case in CASES])
    parser.add_argument("--pairs", type=int, default=25)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    ours = {id(value) for value in vars(drawpaths).values()}
    drawing = [entry for entry in fastpaths._REPLACED
               if id(entry[3]) in ours and (not only or entry[1] in only)]

    def general() -> None:
        for owner, name, own, _ in drawing:
            setattr(owner, name, own)

    def quick() -> None:
        for owner, name, _, replacement in drawing:
            setattr(owner, name, replacement)

    case = next(case for case in CASES if case.name == args.case)
    renderer = Renderer()
    renderer.warm_up()
    view = build_view(case.invoice(), case.settings())
    html = renderer._template.render(view=view, stylesheet_href=None, layer="content",
                                     sheet=renderer.sheet(view))
    with collector_paused():
        document = renderer._layout(html, template=True)

    def write() -> tuple[float, bytes]:
        start = time.process_time()
        with collector_paused():
            pdf = renderer._write(document, None, ())
        return time.process_time() - start, pdf

    print(f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; toggling "
          + ", ".join(name for _, name, _, _ in drawing))
    for _ in range(3):
        general()
        own = write()[1]
        quick()
        short = write()[1]
    assert own == short, "the two ways wrote different bytes"
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(args.pairs):
        general()
        timings[0].append(write()[0])
        quick()
        timings[1].append(write()[0])
    a, b = (statistics.median(times) * 1000 for times in timings)
    print(f"{case.name} ({len(document.pages)} p), {args.pairs} pairs: write CPU "
          f"A {a:.1f} ms, B {b:.1f} ms, ratio B/A {b / a:.3f}; "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
