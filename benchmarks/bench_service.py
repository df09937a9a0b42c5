"""The preview service under load — run by hand, not part of the test suite.

    python benchmarks/bench_service.py                  # about four minutes
    python benchmarks/bench_service.py --rounds 2 --seconds 5 --long 4
    python benchmarks/bench_service.py --rounds 3 --long 0 --baseline /tmp/main  # A/B

Starts the real server (`faktura serve`'s app under uvicorn, on 127.0.0.1, each in its own
process) twice: with `render_workers=1` and with `render_workers=2`, and measures

(a) 8 concurrent clients sending one-page PDF previews (samples/01-one-line.json) for
    `--seconds` per round, the two servers and two mixes interleaved A B A B … so that other
    load on the machine falls on all: p50, p99, requests per second, and the ratio 2 workers /
    1 worker. The mixes: `distinct`, every preview a draft never previewed before (each
    renders); `edits`, each client works on its own draft and previews it twice before
    changing a line (a person checking a change, then previewing the same draft again to show
    or print it): every second preview is a draft the server has kept;
(b) 8 parallel long previews (1,000 lines) against the 2-worker server: the server's resident
    memory (the server process plus its render workers, summed from /proc, sampled every
    0.05 s) at its highest, and the latency of each preview.

With `--baseline TREE` (another checkout) its servers are measured too, in the same rounds,
interleaved with this tree's, each figure beside the ratio this ÷ baseline; and the CPU time of
each server (its process and render workers, from /proc) per answered preview.

Each figure is printed with the load average (`/proc/loadavg`) when it was taken.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

SAMPLES = ROOT / "samples"
CLIENTS = 8


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def settings_file(folder: Path) -> Path:
    """The sample settings with their state in `folder`."""
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "../var"', f'state_dir = "{folder}"')
    text = text.replace('archive_dir = "../var/archive"', f'archive_dir = "{folder}/archive"')
    text = text.replace('logo = "logo.png"', f'logo = "{SAMPLES / "logo.png"}"')
    path = folder / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def serve(settings: Path, port: int, workers: int) -> None:
    """The server process: the API app with a render pool of `workers`."""
    import uvicorn

    from api.app import create_app
    from infra.tenant_settings import TenantRegistry

    app = create_app(TenantRegistry.load(settings), render_workers=workers, batch_workers=0,
                     resume_batches=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(folder: Path, workers: int, tree: Path = ROOT) -> Iterator[tuple[str, str, int]]:
    """A server process of `tree`'s code with its own state; yields (base URL, API key,
    pid)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = settings_file(folder)
    from api.keys import KeyStore
    from infra.tenant_settings import TenantRegistry

    store = KeyStore(TenantRegistry.load(settings).key_store_path)
    key = store.create("revisorhuset")[0]
    store.close()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(tree / "benchmarks" / "bench_service.py"), "--serve",
         str(settings), "--port", str(port), "--workers", str(workers)], cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=300) as http:  # every worker warm before measuring
            for _ in range(2 * workers):  # drafts of their own: each one renders
                http.post("/v1/preview", content=draft(next(_drafts)),
                          headers={"Content-Type": "application/json"}).raise_for_status()
        yield base, key, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def one_page() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "01-one-line.json").read_text("utf-8"))
    return data


def long_invoice(lines: int = 1000) -> dict[str, Any]:
    data = one_page()
    data["lines"] = [copy.deepcopy(data["lines"][0]) for _ in range(lines)]
    return data


MIXES = ("distinct", "edits")
_drafts = itertools.count()


def draft(version: int) -> bytes:
    """Sample 01 with its line's text numbered: each version is a draft of its own."""
    data = one_page()
    data["lines"][0]["text"] += f" (v{version})"
    return json.dumps(data).encode()


def hammer(base: str, key: str, seconds: float,
           mix: str) -> tuple[list[float], list[float], int, float]:
    """8 clients, each sending one-page previews back to back for `seconds`: the latencies of
    all answered previews and of those that repeated the client's previous draft."""
    latencies: list[float] = []
    repeats: list[float] = []
    refused = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal refused
        sent = 0
        with httpx.Client(base_url=base, timeout=120, headers={
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"}) as http:
            while time.monotonic() < stop:
                repeat = mix == "edits" and sent % 2 == 1
                if not repeat:
                    body = draft(next(_drafts))
                sent += 1
                started = time.perf_counter()
                answer = http.post("/v1/preview", content=body)
                took = time.perf_counter() - started
                with lock:
                    if answer.status_code == 200:
                        latencies.append(took)
                        if repeat:
                            repeats.append(took)
                    else:
                        refused += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, repeats, refused, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total, page = 0, os.sysconf("SC_PAGE_SIZE")
    for current in _tree(pid):
        with suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    for current in _tree(pid):
        with suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def long_previews(base: str, key: str, pid: int, count: int) -> dict[str, Any]:
    """`count` parallel 1,000-line previews; the server's highest RSS while they run."""
    body = json.dumps(long_invoice()).encode()
    latencies: list[float] = []
    statuses: list[int] = []
    peak = tree_rss(pid)
    idle = peak
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(pid))
            time.sleep(0.05)

    def client() -> None:
        with httpx.Client(base_url=base, timeout=600, headers={
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"}) as http:
            started = time.perf_counter()
            answer = http.post("/v1/preview", content=body)
            latencies.append(time.perf_counter() - started)
            statuses.append(answer.status_code)

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sampler.join()
    after = tree_rss(pid)
    return {"idle_mib": idle / 2**20, "peak_mib": peak / 2**20, "after_mib": after / 2**20,
            "latency_min_s": min(latencies), "latency_max_s": max(latencies),
            "latency_p50_s": statistics.median(latencies), "statuses": sorted(statuses)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--long", type=int, default=CLIENTS,
                        help="parallel long previews (0: none)")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout, its servers measured interleaved")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.workers)
        return

    print(f"load before: {load()}  cores: {len(os.sched_getaffinity(0))}")
    trees = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        servers = {(name, n): stack.enter_context(server(Path(tmp) / f"{name}-w{n}", n, tree))
                   for name, tree in trees.items() for n in (1, 2)}
        runs = [(name, n, mix) for mix in MIXES for n in (1, 2) for name in trees]
        results: dict[tuple[str, int, str], dict[str, Any]] = {
            run: {"lat": [], "repeats": [], "refused": 0, "seconds": 0.0, "cpu": 0.0}
            for run in runs}
        for round_ in range(args.rounds):
            for name, n, mix in (runs if round_ % 2 == 0 else runs[::-1]):
                base, key, pid = servers[name, n]
                cpu = tree_cpu(pid)
                latencies, repeats, refused, seconds = hammer(base, key, args.seconds, mix)
                r = results[name, n, mix]
                r["cpu"] += tree_cpu(pid) - cpu
                r["lat"] += latencies
                r["repeats"] += repeats
                r["refused"] += refused
                r["seconds"] += seconds
                print(f"  round {round_ + 1} {name} workers={n} {mix}:"
                      f" {len(latencies) / seconds:.1f} req/s, p50"
                      f" {statistics.median(latencies) * 1000:.0f} ms  (load {load()})")
        print("(a) 8 clients, one-page PDF previews")
        rates, p50, p99, cpu = {}, {}, {}, {}
        for (name, n, mix), r in results.items():
            run = name, n, mix
            rates[run] = len(r["lat"]) / r["seconds"]
            p50[run] = statistics.median(r["lat"])
            p99[run] = percentile(r["lat"], 0.99)
            cpu[run] = r["cpu"] / len(r["lat"])
            print(f"  {name} render_workers={n} {mix:<8}: p50 {p50[run] * 1000:.0f} ms,"
                  f" p99 {p99[run] * 1000:.0f} ms, {rates[run]:.1f} req/s,"
                  f" CPU {cpu[run] * 1000:.1f} ms/preview (server + workers),"
                  f" {len(r['lat'])} answered, {r['refused']} refused"
                  + (f"; the repeated drafts p50 {statistics.median(r['repeats']) * 1000:.0f} ms"
                     f" p99 {percentile(r['repeats'], 0.99) * 1000:.0f} ms" if r["repeats"]
                     else ""))
        for mix in MIXES:
            print(f"  {mix}: ratio 2/1 workers: req/s"
                  f" {rates['this', 2, mix] / rates['this', 1, mix]:.2f}×,"
                  f" p50 {p50['this', 2, mix] / p50['this', 1, mix]:.2f}×  (load {load()})")
        if args.baseline:
            for mix in MIXES:
                for n in (1, 2):
                    this, baseline = ("this", n, mix), ("baseline", n, mix)
                    print(f"  {mix} workers={n}: this ÷ baseline: req/s"
                          f" {rates[this] / rates[baseline]:.3f}×,"
                          f" p50 {p50[this] / p50[baseline]:.3f}×,"
                          f" p99 {p99[this] / p99[baseline]:.3f}×,"
                          f" CPU/preview {cpu[this] / cpu[baseline]:.3f}×")
        stack.close()  # the 1-worker server is not needed for (b); start a fresh 2-worker one
        if args.long <= 0:
            return
        base, key, pid = stack.enter_context(server(Path(tmp) / "long", 2))
        long = long_previews(base, key, pid, args.long)
        print(f"(b) {args.long} parallel 1,000-line previews, render_workers=2:"
              f" RSS idle {long['idle_mib']:.0f} MiB, peak {long['peak_mib']:.0f} MiB,"
              f" after {long['after_mib']:.0f} MiB; latency {long['latency_min_s']:.1f}–"
              f"{long['latency_max_s']:.1f} s (p50 {long['latency_p50_s']:.1f} s);"
              f" statuses {long['statuses']}  (load {load()})")


if __name__ == "__main__":
    main()
