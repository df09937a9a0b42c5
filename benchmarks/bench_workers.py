"""Batch throughput on Celery workers against the local batch, on the same invoices and the
same backends (PostgreSQL + S3) — run by hand, not in the suite.

    python benchmarks/bench_workers.py                        # 3 rounds of 16 invoices
    python benchmarks/bench_workers.py --rounds 5 --count 40

Needs PostgreSQL at 127.0.0.1:5432 (database `test`), `redis-server` and `moto_server` on the
PATH. Starts a private redis-server (broker and results), moto_server (S3) and the Uniconta
emulator; then, round after round, interleaved, runs `faktura batch` in four modes over
invoices made the same way from the samples (new source ids per run):

* local 1 / local 2: no broker, `--workers 1` / `2` render processes in the batch;
* celery 1 / celery 2: 1 or 2 `faktura worker --concurrency 1` (each a render process and a
  posting lane), started and warm before the batch.

Start-up is left out by timing from the batch's first archived invoice to its last (the
archive index's `archived_at`): the rate is (count - 1) / that time, what each further
invoice costs once everything runs. Uniconta calls and Redis commands are counted over the
whole batch (the emulator's call counter, Redis `INFO commandstats`), per invoice; for
Celery, the first render of each worker against its later ones (from the worker's log).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

#: One-page invoices in three currencies and VAT mixes. (The 168-line sample 03 is left out:
#: on a loaded machine the emulator took over 30 s for a chunk's bulk insert of its lines, the
#: client gave up, and every invoice was resumed one by one: a different workload.)
SAMPLES = ["01-one-line.json", "04-mixed-vat.json", "06-eur-invoice.json"]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MODES = [("local", 1), ("celery", 1), ("local", 2), ("celery", 2)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def server(stack: ExitStack, argv: list[str], port: int) -> None:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(stop, proc)
    wait_port(port)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def invoices(folder: Path, count: int, run: str) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        data = json.loads((ROOT / "samples" / SAMPLES[n % len(SAMPLES)]).read_text("utf-8"))
        data["source_id"] = f"BENCH-{run}-{n:04d}"
        (folder / f"{n:04d}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def settings_file(path: Path, tmp: Path, **values: str) -> Path:
    text = (ROOT / "samples" / "settings-scaleout.toml").read_text("utf-8")
    values = {"state_dir": str(tmp / "state"), "archive_dir": str(tmp / "archive"),
              "logo": str(ROOT / "samples" / "logo.png"), **values}
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f'{key} = "{values[key]}"' if key in values else line)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def redis_commands(client: redis.Redis) -> int:
    stats = client.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if not k.endswith("_info"))


class Workers:
    """K `faktura worker --concurrency 1`, ready (both lanes) before the batch starts."""

    def __init__(self, cli: list[str], settings: Path, env: dict[str, str], folder: Path,
                 k: int) -> None:
        self.procs = []
        self.logs = []
        for i in range(k):
            log = folder / f"worker-{uuid.uuid4().hex[:6]}.log"
            self.logs.append(log)
            self.procs.append(subprocess.Popen(
                [*cli, "worker", "--settings", str(settings), "--concurrency", "1", "--name",
                 f"b{i}-{log.stem}@%h", "--loglevel", "INFO"], env=env, cwd=folder,
                stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 180
        while sum(p.read_text(errors="replace").count(" ready.") for p in self.logs) < 2 * k:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start:\n" + "\n".join(
                    p.read_text(errors="replace")[-2000:] for p in self.logs))
            time.sleep(0.3)
        time.sleep(3)  # the render processes warm up after the lane says it is ready

    def render_seconds(self) -> list[tuple[float, float]]:
        """Per worker: its first render task's time and the median of the others."""
        found = []
        for log in self.logs:
            times = [float(m) for m in re.findall(
                r"Task faktura\.render\[[^\]]+\] succeeded in ([0-9.]+)s",
                log.read_text(errors="replace"))]
            if len(times) > 1:
                found.append((times[0], statistics.median(times[1:])))
        return found

    def stop(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            proc.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="the emulator's added latency per Uniconta call")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-north-1"}
    cli = [sys.executable, "-m", "cli.main"]
    rates: dict[tuple[str, int], list[float]] = {mode: [] for mode in MODES}
    calls: dict[tuple[str, int], list[float]] = {mode: [] for mode in MODES}
    commands: list[float] = []
    first_renders: list[tuple[float, float]] = []
    loads = [os.getloadavg()[0]]
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis_port, s3_port, emulator_port = free_port(), free_port(), free_port()
        server(stack, ["redis-server", "--port", str(redis_port), "--save", "",
                       "--appendonly", "no"], redis_port)
        server(stack, ["moto_server", "-H", "127.0.0.1", "-p", str(s3_port)], s3_port)
        server(stack, [*cli, "uniconta-emulator", "--port", str(emulator_port), "--state",
                       str(tmp / "emulator.sqlite"), "--latency-ms", str(args.latency_ms)],
               emulator_port)

        def uniconta_calls() -> int:
            answer = httpx.get(f"http://127.0.0.1:{emulator_port}/_emulator/stats")
            return int(answer.raise_for_status().json()["calls"])
        broker = redis.Redis(port=redis_port)
        run_id = uuid.uuid4().hex[:8]
        schema = f"bench_{run_id}"
        engine = sa.create_engine(PG)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        stack.callback(engine.dispose)
        stack.callback(lambda: _drop(engine, schema))
        common = {"gateway_url": f"http://127.0.0.1:{emulator_port}",
                  "database_url": f"{PG}?options=-csearch_path%3D{schema}",
                  "bucket": f"bench-{run_id}", "endpoint_url": f"http://127.0.0.1:{s3_port}",
                  "queue_namespace": f"bench{run_id}"}
        celery = settings_file(tmp / "celery.toml", tmp, **common,
                               broker_url=f"redis://127.0.0.1:{redis_port}/0")
        local = settings_file(tmp / "local.toml", tmp, **common, broker_url="")
        subprocess.run([*cli, "db", "upgrade", "--settings", str(celery)], env=env, check=True,
                       capture_output=True, cwd=tmp)
        warm = tmp / "warm"  # master data and the ledger's first rows, outside any timing
        invoices(warm, len(SAMPLES), "warm")
        subprocess.run([*cli, "batch", str(warm), "--settings", str(local), "--workers", "0"],
                       env=env, check=True, capture_output=True, cwd=tmp)

        def batch(kind: str, k: int, count: int) -> tuple[float, float, int, int]:
            run = uuid.uuid4().hex[:8]
            folder = tmp / run
            invoices(folder, count, run)
            settings, workers = (celery, 2 * k) if kind == "celery" else (local, k)
            calls_before, commands_before = uniconta_calls(), redis_commands(broker)
            started = time.monotonic()
            done = subprocess.run([*cli, "batch", str(folder), "--settings", str(settings),
                                   "--workers", str(workers)], env=env, cwd=tmp,
                                  capture_output=True, text=True)
            seconds = time.monotonic() - started
            if done.returncode != 0:
                raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
            with engine.connect() as conn:
                first, last = conn.execute(sa.text(
                    f"SELECT min(archived_at), max(archived_at) FROM {schema}.archive_entries"
                    " WHERE source_id LIKE :run"), {"run": f"BENCH-{run}-%"}).one()
            return (seconds, (last - first).total_seconds(), uniconta_calls() - calls_before,
                    redis_commands(broker) - commands_before)

        for round_ in range(1, args.rounds + 1):
            for kind, k in MODES:
                group = Workers(cli, celery, env, tmp, k) if kind == "celery" else None
                try:
                    whole, steady, used_calls, used_commands = batch(kind, k, args.count)
                    if group is not None:
                        first_renders.extend(group.render_seconds())
                finally:
                    if group is not None:
                        group.stop()
                rate = (args.count - 1) / steady
                rates[(kind, k)].append(rate)
                calls[(kind, k)].append(used_calls / args.count)
                if kind == "celery":
                    commands.append(used_commands / args.count)
                loads.append(os.getloadavg()[0])
                print(f"round {round_} {kind} {k}: {args.count} in {whole:.1f} s, first to last"
                      f" archived {steady:.1f} s → {rate:.2f} invoices/s; Uniconta"
                      f" calls/invoice {used_calls / args.count:.2f}", flush=True)

    def median(mode: tuple[str, int]) -> float:
        return statistics.median(rates[mode])

    print(f"\nload average (1 min) during the run: {min(loads):.1f}-{max(loads):.1f}")
    for mode in MODES:
        print(f"{mode[0]} {mode[1]}: {median(mode):.2f} invoices/s (median of"
              f" {len(rates[mode])}), Uniconta calls/invoice {statistics.median(calls[mode]):.2f}")
    print(f"Redis commands per invoice (celery): {statistics.median(commands):.1f}")
    print("a worker's first render ÷ its later ones (median):"
          f" {statistics.median(first / later for first, later in first_renders):.2f}"
          f" ({len(first_renders)} workers)")
    pairs = [("celery 1 ÷ local 1", ("celery", 1), ("local", 1)),
             ("celery 2 ÷ celery 1", ("celery", 2), ("celery", 1)),
             ("local 2 ÷ local 1", ("local", 2), ("local", 1)),
             ("celery 2 ÷ local 2", ("celery", 2), ("local", 2))]
    for label, a, b in pairs:
        per_round = [x / y for x, y in zip(rates[a], rates[b], strict=True)]
        print(f"{label}: {statistics.median(per_round):.2f}"
              f" (per round {', '.join(f'{r:.2f}' for r in per_round)})")


def _drop(engine: sa.Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
