"""Faults on the scale-out backends: a worker killed with -9 mid-batch, the broker restarted
(its queued messages lost), and Uniconta answers lost after posting. Nothing is posted twice
and no invoice is lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from scaleout_support import REPO, faktura_env, run_faktura, scaleout_settings

SAMPLES = REPO / "samples"
SAMPLE_COUNT = len(list(SAMPLES.glob("*.json")))


def _archived(pg_url: str) -> int:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM archive_entries")).scalar_one())
    finally:
        engine.dispose()


def _wait(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_killed_worker_broker_restart_and_lost_answers_post_each_invoice_once(
        tmp_path: Path, emulator, pg_url, s3_env, s3_endpoint, private_redis, workers):
    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url, database_url=pg_url,
                                 bucket=s3_env, endpoint=s3_endpoint,
                                 broker_url=private_redis.url, task_timeout=10)
    assert run_faktura("db", "upgrade", "--settings", str(settings), cwd=tmp_path).returncode == 0
    emulator.set_faults(drop_after_commit=2)  # the first two postings commit, answers lost
    doomed = workers.start()
    workers.start()

    batch = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "batch", str(SAMPLES), "--settings", str(settings),
         "--out", str(tmp_path / "out"), "--workers", "4"],
        cwd=tmp_path, env=faktura_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        _wait(lambda: _archived(pg_url) >= 1, 300, "the first archived invoice")
        workers.kill(doomed)  # kill -9, mid-batch
        private_redis.stop()  # the broker goes away with every queued message ...
        time.sleep(2)
        private_redis.start()  # ... and comes back empty
        output, _ = batch.communicate(timeout=600)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 0, output + workers.logs()
    assert "sending it again" in output  # the batch did lose its broker and recovered

    booked = emulator.query("DebtorInvoice")
    assert len(booked) == SAMPLE_COUNT  # none lost ...
    assert len({i["InvoiceNumber"] for i in booked}) == SAMPLE_COUNT
    postings = emulator.stats()["postings"]
    assert postings["committed"] == SAMPLE_COUNT  # ... none posted twice
    assert postings["dropped_after_commit"] == 2
    assert _archived(pg_url) == SAMPLE_COUNT
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.pdf")) == sorted(
        str(i["InvoiceNumber"]) for i in booked)
    verified = run_faktura("archive", "verify", "--settings", str(settings), cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
