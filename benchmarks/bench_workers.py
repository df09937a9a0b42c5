"""Batch throughput on Celery workers (PostgreSQL + S3 + Redis) — run by hand, not in the suite.

    python benchmarks/bench_workers.py                   # 1, 2 and 4 workers, 16 invoices each
    python benchmarks/bench_workers.py --count 40 --workers 1 2 4 8

Needs PostgreSQL at 127.0.0.1:5432 (database `test`), `redis-server` and `moto_server` on the
PATH. Starts a private redis-server (broker), moto_server (S3), the Uniconta emulator, and for
each run K `faktura worker --concurrency 1` processes; then times `faktura batch` over `count`
invoices made from the samples (new source ids per run, so each run issues them all). Every
run uses a schema and bucket of its own; everything is removed afterwards.

Measured (16 invoices, `--concurrency 1` per worker, on a 2-core machine shared with other
work at load average 8.8-10.5, so the workers compete for two cores):

    1 worker   88.7 s  0.18 invoices/s
    2 workers  65.4 s  0.24 invoices/s  (1.36x)
    4 workers  72.0 s  0.22 invoices/s  (1.23x: more workers than cores)

Posting is one at a time per tenant by design; rendering is what spreads over the workers, so
throughput grows with cores across machines, not with workers on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from sync.emulator.server import running_emulator  # noqa: E402

SAMPLES = ["01-one-line.json", "03-long-annual.json", "04-mixed-vat.json", "06-eur-invoice.json"]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def server(stack: ExitStack, argv: list[str], port: int) -> None:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(proc.wait, 10)
    stack.callback(proc.terminate)
    wait_port(port)


def invoices(folder: Path, count: int, run: str) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        data = json.loads((ROOT / "samples" / SAMPLES[n % len(SAMPLES)]).read_text("utf-8"))
        data["source_id"] = f"BENCH-{run}-{n:04d}"
        (folder / f"{n:04d}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def settings_file(tmp: Path, *, gateway: str, db: str, bucket: str, s3: str, broker: str,
                  namespace: str) -> Path:
    text = (ROOT / "samples" / "settings-scaleout.toml").read_text("utf-8")
    values = {"database_url": db, "broker_url": broker, "gateway_url": gateway,
              "bucket": bucket, "endpoint_url": s3, "queue_namespace": namespace,
              "state_dir": str(tmp / "state"), "archive_dir": str(tmp / "archive"),
              "logo": str(ROOT / "samples" / "logo.png")}
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f'{key} = "{values[key]}"' if key in values else line)
    path = tmp / "settings.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-north-1"}
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    figures = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis_port, s3_port = free_port(), free_port()
        server(stack, ["redis-server", "--port", str(redis_port), "--save", "",
                       "--appendonly", "no"], redis_port)
        server(stack, ["moto_server", "-H", "127.0.0.1", "-p", str(s3_port)], s3_port)
        emulator = stack.enter_context(running_emulator(tmp / "emulator.sqlite"))
        engine = sa.create_engine(PG)
        for k in args.workers:
            run = uuid.uuid4().hex[:8]
            schema = f"bench_{run}"
            with engine.begin() as conn:
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            folder = tmp / run
            folder.mkdir()
            settings = settings_file(
                folder, gateway=emulator.base_url, db=f"{PG}?options=-csearch_path%3D{schema}",
                bucket=f"bench-{run}", s3=f"http://127.0.0.1:{s3_port}",
                broker=f"redis://127.0.0.1:{redis_port}/0", namespace=f"bench{run}")
            invoices(folder / "in", args.count, run)
            cli = [sys.executable, "-m", "cli.main"]
            subprocess.run([*cli, "db", "upgrade", "--settings", str(settings)], env=env,
                           check=True, capture_output=True, cwd=folder)
            procs = [subprocess.Popen([*cli, "worker", "--settings", str(settings),
                                       "--concurrency", "1", "--name", f"b{i}-{run}@%h",
                                       "--loglevel", "WARNING"], env=env, cwd=folder,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True) for i in range(k)]
            try:
                time.sleep(8)  # let every worker connect and warm up
                started = time.monotonic()
                done = subprocess.run([*cli, "batch", str(folder / "in"), "--settings",
                                       str(settings), "--workers", str(2 * k)], env=env,
                                      cwd=folder, capture_output=True, text=True)
                seconds = time.monotonic() - started
                if done.returncode != 0:
                    raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
            finally:
                for proc in procs:
                    os.killpg(proc.pid, signal.SIGTERM)
                for proc in procs:
                    proc.wait(30)
                with engine.begin() as conn:
                    conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            figures.append((k, seconds))
            print(f"{k} worker(s): {args.count} invoices in {seconds:.1f} s ="
                  f" {args.count / seconds:.2f} invoices/s", flush=True)
        engine.dispose()
    print(f"load: {os.getloadavg()}")
    base = figures[0][1]
    for k, seconds in figures:
        print(f"  {k} workers: speed-up {base / seconds:.2f}x")


if __name__ == "__main__":
    main()
