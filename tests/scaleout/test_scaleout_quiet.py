"""No document bytes where they do not belong: a batch on Celery workers (Redis broker and
result backend) leaves no PDF in the workers' logs, in the task messages' shown arguments, or
in the result backend once the batch has read its answers."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from scaleout_support import REPO, run_faktura, scaleout_settings

#: The start of any PDF (`%PDF-`) in base64, however it is aligned.
PDF_IN_BASE64 = [base64.b64encode(b"%PDF-")[:6], base64.b64encode(b"x%PDF-")[2:8],
                 base64.b64encode(b"xx%PDF-")[3:9]]


def test_workers_log_no_documents_and_keep_no_answers(tmp_path: Path, emulator, redis_url,
                                                      workers):
    import redis

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("01-one-line.json", "04-mixed-vat.json"):
        shutil.copy(REPO / "samples" / name, folder / name)
    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url, broker_url=redis_url)
    store = redis.Redis.from_url(redis_url)
    earlier = set(store.scan_iter("celery-task-meta-*"))  # other runs' (the number is shared)
    workers.start()
    batch = run_faktura("batch", str(folder), "--settings", str(settings), "--out",
                        str(tmp_path / "out"), cwd=tmp_path)
    assert batch.returncode == 0, batch.stdout + batch.stderr + workers.logs()
    assert "issued 2" in batch.stdout
    workers.stop_all()

    logs = workers.logs()
    assert "faktura.render" in logs and "succeeded" in logs  # the worker did log its tasks
    assert not any(marker.decode() in logs for marker in PDF_IN_BASE64), logs[-2000:]
    assert "Bageriet" not in logs  # nor a customer's name from the arguments
    assert max(len(line) for line in logs.splitlines()) < 1000

    try:
        results = {key: store.get(key) for key in store.scan_iter("celery-task-meta-*")
                   if key not in earlier}
    finally:
        store.close()
    assert {key: value for key, value in results.items()
            if any(m in (value or b"") for m in PDF_IN_BASE64)} == {}
