"""The rendering yardstick — run by hand, not part of the test suite.

    python benchmarks/bench_render.py [--rounds 40] [--long-rounds 8] [--png DIR]

For each invoice of `benchmarks/cases.py` (sample 01 on one page, a 200-line invoice) it times,
in one process and interleaved A/B/A/B, (A) the project's warm `Renderer.render` and (B) plain
WeasyPrint (`HTML(filename=…).write_pdf()`) on the HTML that the renderer produced before the
speed work, frozen in `benchmarks/yardstick/` with its stylesheet, the repository's fonts and
the embedded logo. The project's first render of a case (untimed, as the warm-up) also renders
the seller's sheet (letterhead, footer texts, the FI slip's frame), which every later render
reuses, as a long-lived worker does; the layout helpers that lay out a long invoice's pieces
side by side (renderer/chunked.py) have started, and their CPU time counts as the project's.
It prints the medians, the ratio A/B (below 1 is faster)
by the clock and by the process's CPU time (steadier on a machine other work keeps busy), and
the machine's load average before and after each case. `--png DIR` writes both PDFs'
pages as PNGs (pdftoppm) to compare the layouts by eye.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import pypdf  # noqa: E402
import weasyprint  # noqa: E402
from cases import CASES  # noqa: E402
from weasyprint.css import ComputedStyle  # noqa: E402

from renderer import styles  # noqa: E402
from renderer.render import Renderer  # noqa: E402

YARDSTICK = HERE / "yardstick"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def plain(case_name: str) -> bytes:
    """The yardstick: WeasyPrint as it comes, its computed styles by its own path too."""
    ComputedStyle.__missing__ = styles.general_missing
    try:
        return weasyprint.HTML(filename=str(YARDSTICK / f"{case_name}.html")).write_pdf()
    finally:
        ComputedStyle.__missing__ = styles.quick_missing


def pages(pdf: bytes) -> int:
    import io
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="A/B pairs, one-page (40)")
    parser.add_argument("--long-rounds", type=int, default=8, help="A/B pairs, 200 lines (8)")
    parser.add_argument("--pdf-variant", default=None, help="e.g. pdf/a-3b for the project side")
    parser.add_argument("--png", type=Path, help="write PNGs of both PDFs here")
    args = parser.parse_args()

    print(f"WeasyPrint {weasyprint.__version__}, {len(os.sched_getaffinity(0))} cores, {load()}")
    renderer = Renderer()
    renderer.warm_up()  # as the batch workers do
    helpers = renderer.layout_helpers
    helpers.wait(120)  # a long-lived process's helpers have started (renderer/chunked.py)
    rounds = {"one-page": args.rounds, "200-lines": args.long_rounds}
    for case in CASES:
        invoice, settings = case.invoice(), case.settings()

        def ours(invoice=invoice, settings=settings) -> bytes:
            return renderer.render(invoice, settings, pdf_variant=args.pdf_variant)[1]

        ours_pdf, plain_pdf = ours(), plain(case.name)  # warm both paths
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            for label, pdf in (("project", ours_pdf), ("yardstick", plain_pdf)):
                path = args.png / f"{case.name}-{label}.pdf"
                path.write_bytes(pdf)
                subprocess.run(["pdftoppm", "-r", "60", "-png", str(path),
                                str(args.png / f"{case.name}-{label}")], check=True)
        before = load()
        a, b, cpu_a, cpu_b = [], [], [], []
        for _ in range(rounds[case.name]):
            for render, clock, cpu in ((ours, a, cpu_a), (lambda: plain(case.name), b, cpu_b)):
                start_helpers = helpers.cpu_seconds() if cpu is cpu_a else 0.0
                start, start_cpu = time.perf_counter(), time.process_time()
                render()
                clock.append(time.perf_counter() - start)
                # the helpers' CPU, read from /proc in ticks of 10 ms
                helped = helpers.cpu_seconds() - start_helpers if cpu is cpu_a else 0.0
                cpu.append(time.process_time() - start_cpu + helped)
        ma, mb = statistics.median(a) * 1000, statistics.median(b) * 1000
        ca, cb = statistics.median(cpu_a) * 1000, statistics.median(cpu_b) * 1000
        print(f"{case.name:<10} n={len(a):<3} project {ma:7.1f} ms ({pages(ours_pdf)} p)   "
              f"yardstick {mb:7.1f} ms ({pages(plain_pdf)} p)   ratio {ma / mb:.2f}   "
              f"CPU {ca:.1f} / {cb:.1f} ms, ratio {ca / cb:.2f}   [{before} → {load()}]")


if __name__ == "__main__":
    main()
