"""The rendering yardstick — run by hand, not part of the test suite.

    python benchmarks/bench_render.py [--rounds 40] [--long-rounds 8] [--png DIR]

For each invoice of `benchmarks/cases.py` (sample 01 on one page, a 200-line invoice) it times,
interleaved A/B/A/B, (A) the project's warm `Renderer.render` in this process and (B) plain
WeasyPrint (`HTML(filename=…).write_pdf()`) on the HTML that the renderer produced before the
speed work, frozen in `benchmarks/yardstick/` with its stylesheet, the repository's fonts and
the embedded logo. The yardstick runs in a process of its own that loads none of the
project's code: the renderer replaces some of WeasyPrint's functions for its whole process
(`renderer.fastpaths`, and its font subsetting, `renderer.fontsubset`, which would make
plain WeasyPrint twice as slow beside it). The project's first render of a case (untimed, as the warm-up) also renders
the seller's sheet (letterhead, footer texts, the FI slip's frame), which every later render
reuses, as a long-lived worker does. Alone in a process, a long invoice is laid out in one pass;
so the 200-line invoice is timed once more as the product renders it (`200-lines, pool`): (A)
through a started, warm render pool of two workers, one request at a time, where the idle
worker lays out the second piece beside the first (renderer/chunked.py), and (B) the
yardstick again. It prints the medians, the ratio A/B (below 1 is faster) by the clock and by
CPU time (steadier on a machine other work keeps busy; the pool's: its workers' from /proc, in
ticks of 10 ms, and this process's), and the machine's load average before and after each
case. `--png DIR` writes both PDFs' pages as PNGs (pdftoppm) to compare the layouts by eye.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import pypdf  # noqa: E402
import weasyprint  # noqa: E402
from cases import CASES  # noqa: E402

from issuing.renderpool import PoolLimits, RenderPool, _cpu_seconds  # noqa: E402
from renderer.render import Renderer  # noqa: E402

YARDSTICK = HERE / "yardstick"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


#: The yardstick's process: WeasyPrint as it comes, with none of the project's code loaded
#: (the renderer replaces some of WeasyPrint's functions process-wide, its font subsetting
#: among them, which would slow or speed plain WeasyPrint in the same process).
YARDSTICK_PROCESS = """
import sys, time, weasyprint
for line in sys.stdin:
    html, out = line.rstrip("\\n").split("\\t")
    start, start_cpu = time.perf_counter(), time.process_time()
    pdf = weasyprint.HTML(filename=html).write_pdf()
    clock, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    with open(out, "wb") as file:
        file.write(pdf)
    print(clock, cpu, flush=True)
"""


class Yardstick:
    """Plain WeasyPrint (`HTML(filename=…).write_pdf()`) on the frozen HTML, in a process of
    its own; each render answers its clock and CPU time as measured there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process = subprocess.Popen([sys.executable, "-c", YARDSTICK_PROCESS],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, cwd=folder)

    def render(self, case_name: str) -> tuple[float, float, bytes]:
        out = self.folder / f"{case_name}.pdf"
        self.process.stdin.write(f"{YARDSTICK / case_name}.html\t{out}\n")
        self.process.stdin.flush()
        clock, cpu = map(float, self.process.stdout.readline().split())
        return clock, cpu, out.read_bytes()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


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
    pool = RenderPool(PoolLimits(workers=2))
    pool.wait_ready()
    rounds = {"one-page": args.rounds, "200-lines": args.long_rounds}
    long_case = next(case for case in CASES if case.name == "200-lines")
    in_process = [(case.name, case, lambda invoice, settings: renderer.render(
        invoice, settings, pdf_variant=args.pdf_variant)[1]) for case in CASES]
    pooled = ("200-lines, pool", long_case, lambda invoice, settings: pool.renderer().render(
        invoice, settings, pdf_variant=args.pdf_variant)[1])

    def workers_cpu() -> float:
        return sum(_cpu_seconds(pid) for pid in pool.stats().worker_pids)

    folder = tempfile.TemporaryDirectory()
    yardstick = Yardstick(Path(folder.name))
    try:
        pdfs = [measure(label, case, project, workers_cpu if project is pooled[2] else None,
                        yardstick, rounds[case.name], args)
                for label, case, project in [*in_process, pooled]]
        same = "the same bytes as" if pdfs[-1] == pdfs[-2] else "NOT the same bytes as"
        print(f"pool: {pool.stats().pieces_lent} second pieces laid out by the idle worker; "
              f"{same} in one process")
    finally:
        yardstick.close()
        folder.cleanup()
        pool.close()


def measure(label: str, case, project, workers_cpu, yardstick: Yardstick, rounds: int,
            args) -> bytes:
    """A/B interleaved: the project's render of `case`, then the yardstick's."""
    invoice, settings = case.invoice(), case.settings()

    def ours() -> bytes:
        return project(invoice, settings)

    ours_pdf, plain_pdf = ours(), yardstick.render(case.name)[2]  # warm both paths
    for _ in range(3 if workers_cpu else 0):  # each worker has rendered it once or more
        assert ours() == ours_pdf
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
        for side, pdf in (("project", ours_pdf), ("yardstick", plain_pdf)):
            name = f"{label.replace(', ', '-')}-{side}"
            (args.png / f"{name}.pdf").write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(args.png / f"{name}.pdf"),
                            str(args.png / name)], check=True)
    before = load()
    a, b, cpu_a, cpu_b = [], [], [], []
    for _ in range(rounds):
        start_workers = workers_cpu() if workers_cpu else 0.0
        start, start_cpu = time.perf_counter(), time.process_time()
        ours()
        a.append(time.perf_counter() - start)
        elsewhere = workers_cpu() - start_workers if workers_cpu else 0.0
        cpu_a.append(time.process_time() - start_cpu + elsewhere)
        clock, cpu, _ = yardstick.render(case.name)
        b.append(clock)
        cpu_b.append(cpu)
    ma, mb = statistics.median(a) * 1000, statistics.median(b) * 1000
    ca, cb = statistics.median(cpu_a) * 1000, statistics.median(cpu_b) * 1000
    print(f"{label:<15} n={len(a):<3} project {ma:7.1f} ms ({pages(ours_pdf)} p)   "
          f"yardstick {mb:7.1f} ms ({pages(plain_pdf)} p)   ratio {ma / mb:.2f}   "
          f"CPU {ca:.1f} / {cb:.1f} ms, ratio {ca / cb:.2f}   [{before} → {load()}]")
    return ours_pdf


if __name__ == "__main__":
    main()
