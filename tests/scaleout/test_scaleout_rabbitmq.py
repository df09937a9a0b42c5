"""Batches on workers with RabbitMQ as the broker (Redis is the other choice, tested with the
full scale-out backends): the embedded SQLite ledger and archive folder work with workers too."""

from __future__ import annotations

import shutil
from pathlib import Path

from scaleout_support import REPO, run_faktura, scaleout_settings


def test_rabbitmq_broker_issues_each_invoice_once(tmp_path: Path, emulator, rabbitmq_url,
                                                   workers):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("01-one-line.json", "04-mixed-vat.json"):
        shutil.copy(REPO / "samples" / name, folder / name)
    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url,
                                 broker_url=rabbitmq_url)
    workers.start()
    batch = run_faktura("batch", str(folder), "--settings", str(settings), "--out",
                        str(tmp_path / "out"), cwd=tmp_path)
    assert batch.returncode == 0, batch.stdout + batch.stderr + workers.logs()
    assert "issued 2" in batch.stdout
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2
    assert emulator.stats()["postings"]["committed"] == 2
    assert (tmp_path / "archive" / "index.sqlite").is_file()  # the embedded archive
