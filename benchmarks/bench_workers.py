"""Batch throughput on Celery workers against the local batch, on the same invoices and the
same backends (PostgreSQL + S3) — run by hand, not in the suite.

    python benchmarks/bench_workers.py                        # 3 rounds of 16 invoices
    python benchmarks/bench_workers.py --rounds 3 --count 100    # two chunks of 50

Needs PostgreSQL at 127.0.0.1:5432 (database `test`), `redis-server` and `moto_server` on the
PATH. Starts a private redis-server (broker and results), moto_server (S3) and the Uniconta
emulator; then, round after round, interleaved, runs `faktura batch` in four modes over
invoices made the same way from the samples (new source ids per run):

* local 1 / local 2: no broker, `--workers 1` / `2` render processes in the batch;
* celery 1 / celery 2: 1 or 2 `faktura worker --concurrency 1` (each a render process and a
  posting lane), started and warm before the batch.

Start-up is left out by timing from the batch's first archived invoice to its last (the
archive index's `archived_at`): the rate is (count - 1) / that time, what each further
invoice costs once everything runs. Where the time goes: the CPU (user + system, from /proc,
read every 0.2 s and taken between the same two moments) of each group of processes, per
invoice: the batch process, its render processes (local), the workers' render lanes (the
Celery process that takes the tasks), render processes and posting lanes, moto_server, the
emulator, redis-server and PostgreSQL (every process of the server, so other users' too),
and the whole machine's (other work included); then the rate that the project's own CPU
alone would allow on the machine's cores. Uniconta calls and Redis commands are counted over
the whole batch (the emulator's call counter, Redis `INFO commandstats`), per invoice; for
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
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from processes import TICK, running_emulator  # noqa: E402

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


def server(stack: ExitStack, argv: list[str], port: int) -> int:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(stop, proc)
    wait_port(port)
    return proc.pid


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


# -- CPU per group of processes ------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str, float, float] | None:
    """A process's parent, name, own CPU seconds and its waited-for children's (None: gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICK,
            (int(fields[13]) + int(fields[14])) / TICK)


def _processes() -> dict[int, tuple[int, str, float, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def _children(pid: int, table: dict[int, tuple[int, str, float, float]]) -> list[int]:
    return [child for child, stat in table.items() if stat[0] == pid]


def _descendants(pid: int, table: dict[int, tuple[int, str, float, float]]) -> list[int]:
    found = _children(pid, table)
    for child in list(found):
        found.extend(_descendants(child, table))
    return found


def _machine_cpu() -> float:
    """CPU seconds every process of the machine spent so far (all cores)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def _postgres_cpu(table: dict[int, tuple[int, str, float, float]]) -> float:
    """Every PostgreSQL process's own CPU, and that of the backends that ended (the
    postmaster waited for them)."""
    pids = {pid for pid, stat in table.items() if stat[1].startswith("postgres")}
    return sum(table[pid][2] + (table[pid][3] if table[pid][0] not in pids else 0.0)
               for pid in pids)


class CpuMeter:
    """CPU seconds so far per group of processes: the servers, PostgreSQL, the workers, the
    batch process and its render processes, and the whole machine."""

    def __init__(self, servers: dict[str, int]) -> None:
        self.servers = servers
        self.workers: list[int] = []
        self.batch: int | None = None

    def read(self) -> dict[str, float]:
        table = _processes()
        got = {name: table[pid][2] for name, pid in self.servers.items() if pid in table}
        got["PostgreSQL"] = _postgres_cpu(table)
        got["machine"] = _machine_cpu()
        if self.batch is not None and self.batch in table:
            got["batch process"] = table[self.batch][2]
            got["batch: render processes"] = table[self.batch][3] + sum(  # ended ones too
                table[child][2] for child in _descendants(self.batch, table))
        for pid in (p for p in self.workers if p in table):  # render lane, its children:
            got["worker: render lane"] = got.get("worker: render lane", 0.0) + table[pid][2]
            for child in _children(pid, table):  # render processes and the posting lane
                try:
                    argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                except OSError:  # it ended since
                    continue
                key = ("worker: posting lane" if b"--lane" in argv
                       else "worker: render processes")
                got[key] = got.get(key, 0.0) + table[child][2] + table[child][3]
        return got


class Timeline:
    """`CpuMeter` readings every `every` seconds while a batch runs, so that the CPU spent
    between two moments (the first and the last archived invoice) can be read off."""

    def __init__(self, meter: CpuMeter, every: float = 0.2) -> None:
        self.meter = meter
        self.every = every
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Timeline:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.every):
                self._sample()
                return

    def _sample(self) -> None:
        """A reading; a group whose processes ended keeps its last figure."""
        last = self.samples[-1][1] if self.samples else {}
        self.samples.append((time.time(), {**last, **self.meter.read()}))

    def at(self, when: float) -> dict[str, float]:
        """Each group's CPU seconds at `when` (linear between the readings around it)."""
        before = max((s for s in self.samples if s[0] <= when), key=lambda s: s[0],
                     default=self.samples[0])
        after = min((s for s in self.samples if s[0] >= when), key=lambda s: s[0],
                    default=self.samples[-1])
        share = 0.0 if after[0] == before[0] else (when - before[0]) / (after[0] - before[0])
        return {key: before[1].get(key, 0.0) + share * (value - before[1].get(key, 0.0))
                for key, value in after[1].items()}

    def spent(self, start: float, end: float) -> dict[str, float]:
        """Each group's CPU seconds between two moments."""
        first, last = self.at(start), self.at(end)
        return {key: value - first.get(key, 0.0) for key, value in last.items()}


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

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]

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
    cpu: dict[tuple[str, int], list[dict[str, float]]] = {mode: [] for mode in MODES}
    commands: list[float] = []
    first_renders: list[tuple[float, float]] = []
    loads = [os.getloadavg()[0]]
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis_port, s3_port = free_port(), free_port()
        servers = {
            "redis-server": server(stack, ["redis-server", "--port", str(redis_port), "--save",
                                           "", "--appendonly", "no"], redis_port),
            "moto_server": server(stack, ["moto_server", "-H", "127.0.0.1", "-p", str(s3_port)],
                                  s3_port)}
        emulator_url, servers["emulator"] = stack.enter_context(
            running_emulator(tmp / "emulator.sqlite", latency_ms=args.latency_ms))
        meter = CpuMeter(servers)

        def uniconta_calls() -> int:
            answer = httpx.get(f"{emulator_url}/_emulator/stats")
            return int(answer.raise_for_status().json()["calls"])
        broker = redis.Redis(port=redis_port)
        run_id = uuid.uuid4().hex[:8]
        schema = f"bench_{run_id}"
        engine = sa.create_engine(PG)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        stack.callback(engine.dispose)
        stack.callback(lambda: _drop(engine, schema))
        common = {"gateway_url": emulator_url,
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

        def batch(kind: str, k: int, count: int) -> tuple[float, float, int, int,
                                                          dict[str, float]]:
            run = uuid.uuid4().hex[:8]
            folder = tmp / run
            invoices(folder, count, run)
            settings, workers = (celery, 2 * k) if kind == "celery" else (local, k)
            calls_before, commands_before = uniconta_calls(), redis_commands(broker)
            output = tmp / f"batch-{run}.log"
            started = time.monotonic()
            with Timeline(meter) as timeline, output.open("wb") as out:
                proc = subprocess.Popen([*cli, "batch", str(folder), "--settings",
                                         str(settings), "--workers", str(workers)],
                                        env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
                meter.batch = proc.pid
                proc.wait()
                meter.batch = None
            seconds = time.monotonic() - started
            if proc.returncode != 0:
                raise SystemExit(output.read_text(errors="replace")[-6000:])
            with engine.connect() as conn:
                first, last = conn.execute(sa.text(
                    f"SELECT min(archived_at), max(archived_at) FROM {schema}.archive_entries"
                    " WHERE source_id LIKE :run"), {"run": f"BENCH-{run}-%"}).one()
            spent = timeline.spent(first.replace(tzinfo=UTC).timestamp(),
                                   last.replace(tzinfo=UTC).timestamp())
            return (seconds, (last - first).total_seconds(), uniconta_calls() - calls_before,
                    redis_commands(broker) - commands_before, spent)

        for round_ in range(1, args.rounds + 1):
            for kind, k in MODES:
                group = Workers(cli, celery, env, tmp, k) if kind == "celery" else None
                meter.workers = group.pids if group is not None else []
                try:
                    whole, steady, used_calls, used_commands, spent = batch(kind, k, args.count)
                    if group is not None:
                        first_renders.extend(group.render_seconds())
                finally:
                    if group is not None:
                        group.stop()
                rate = (args.count - 1) / steady
                rates[(kind, k)].append(rate)
                calls[(kind, k)].append(used_calls / args.count)
                cpu[(kind, k)].append({key: 1000 * value / (args.count - 1)
                                       for key, value in spent.items()})
                if kind == "celery":
                    commands.append(used_commands / args.count)
                loads.append(os.getloadavg()[0])
                print(f"round {round_} {kind} {k}: {args.count} in {whole:.1f} s, first to last"
                      f" archived {steady:.1f} s → {rate:.2f} invoices/s; Uniconta"
                      f" calls/invoice {used_calls / args.count:.2f}; load"
                      f" {os.getloadavg()[0]:.1f}", flush=True)

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
    print_cpu(cpu, rates)


#: The project's own processes (the rest is infrastructure that a deployment runs elsewhere,
#: or other work on the machine).
OWN = ("batch process", "batch: render processes", "worker: render lane",
       "worker: render processes", "worker: posting lane")
INFRASTRUCTURE = ("moto_server", "emulator", "redis-server", "PostgreSQL")


def print_cpu(cpu: dict[tuple[str, int], list[dict[str, float]]],
              rates: dict[tuple[str, int], list[float]]) -> None:
    """CPU ms per invoice of each group between the first and the last archived invoice
    (median of the rounds), the project's own and the infrastructure's sums, and the rate
    that the project's own CPU alone would allow on the machine's cores."""
    cores = os.cpu_count() or 1
    print("\nCPU ms per invoice, first to last archived (median of the rounds):")
    print(f"{'':26s}" + "".join(f"{f'{kind} {k}':>10s}" for kind, k in MODES))

    def row(label: str, values: list[float]) -> None:
        print(f"{label:26s}" + "".join(f"{v:10.1f}" for v in values))

    def per_mode(pick: Callable[[dict[str, float]], float]) -> list[float]:
        return [statistics.median(pick(spent) for spent in cpu[mode]) for mode in MODES]

    for key in (*OWN, *INFRASTRUCTURE):
        row(key, per_mode(lambda spent, key=key: spent.get(key, 0.0)))  # type: ignore[misc]
    own = per_mode(lambda spent: sum(spent.get(k, 0.0) for k in OWN))
    infrastructure = per_mode(lambda spent: sum(spent.get(k, 0.0) for k in INFRASTRUCTURE))
    row("project's own, sum", own)
    row("infrastructure, sum", infrastructure)
    row("machine (all processes)", per_mode(lambda spent: spent.get("machine", 0.0)))
    row("other work on the machine", per_mode(lambda spent: spent.get("machine", 0.0) - sum(
        spent.get(k, 0.0) for k in (*OWN, *INFRASTRUCTURE))))
    render = per_mode(lambda spent: spent.get("batch: render processes", 0.0)
                      + spent.get("worker: render processes", 0.0))
    row("outside the render, % of it", [100 * (o + i - r) / r for o, i, r in zip(
        own, infrastructure, render, strict=True)])
    print(f"invoices/s that {cores} cores allow on the project's own CPU alone:"
          + "".join(f"  {kind} {k}: {1000 * cores / value:.1f}"
                    for (kind, k), value in zip(MODES, own, strict=True)))
    # What the CPU allows with no other work on the machine: one worker is held to its one
    # render process, two share the cores with everything else.
    one, two = MODES.index(("celery", 1)), MODES.index(("celery", 2))
    for label, total in (("project + infrastructure", [o + i for o, i in zip(
            own, infrastructure, strict=True)]), ("the project's own processes", own)):
        alone = min(1000 / render[one], 1000 * cores / total[one])
        print(f"celery 2 ÷ celery 1 as the CPU allows ({label}):"
              f" {1000 * cores / total[two] / alone:.2f}")
    print("cores busy (rate × CPU per invoice): end to end"
          + "".join(f"  {kind} {k}: {statistics.median(rates[(kind, k)]) * value / 1000:.2f}"
                    for (kind, k), value in zip(
                        MODES, per_mode(lambda spent: spent.get("machine", 0.0)), strict=True)))


def _drop(engine: sa.Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
