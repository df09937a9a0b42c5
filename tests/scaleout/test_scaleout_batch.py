"""The README's main job on the scale-out backends: PostgreSQL, S3 (moto) and Celery workers."""

from __future__ import annotations

from pathlib import Path

import boto3
from pypdf import PdfReader
from scaleout_support import REPO, run_faktura, scaleout_settings

from infra.migrations import SHARED_BRANCHES, head

SAMPLES = REPO / "samples"
SAMPLE_COUNT = len(list(SAMPLES.glob("*.json")))


def _objects(endpoint: str, bucket: str) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-north-1")
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_two_workers_issue_the_samples_exactly_once(tmp_path: Path, emulator, pg_url, s3_env,
                                                     s3_endpoint, redis_url, workers):
    settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url, database_url=pg_url,
                                 bucket=s3_env, endpoint=s3_endpoint, broker_url=redis_url)
    upgraded = run_faktura("db", "upgrade", "--settings", str(settings), cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    heads = sorted(head(branch) for branch in SHARED_BRANCHES)
    assert ", ".join(heads) in upgraded.stdout
    workers.start()
    workers.start()

    out = tmp_path / "out"
    batch = run_faktura("batch", str(SAMPLES), "--settings", str(settings), "--out", str(out),
                        cwd=tmp_path)
    assert batch.returncode == 0, batch.stdout + batch.stderr + workers.logs()

    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == SAMPLE_COUNT
    booked = emulator.query("DebtorInvoice")
    assert sorted(str(i["InvoiceNumber"]) for i in booked) == sorted(p.stem for p in pdfs)
    assert emulator.stats()["postings"]["committed"] == SAMPLE_COUNT
    text = PdfReader(pdfs[0]).pages[-1].extract_text()
    assert "+71<" in text  # the FI line, rendered on a worker
    for log_file in sorted(tmp_path.glob("worker-*.log")):
        assert "faktura.render" in log_file.read_text(errors="replace"), workers.logs()

    # The files are in the bucket (PDF and JSON per invoice, the e-invoice of the one sample
    # whose customer has an EAN, one seal link each), the index in PostgreSQL.
    keys = _objects(s3_endpoint, s3_env)
    files = [k for k in keys if "/index-chain/" not in k]
    [xml_key] = [k for k in files if k.endswith(".xml")]
    assert len(files) == 2 * SAMPLE_COUNT + 1
    number = xml_key.rsplit("/", 1)[1].removesuffix(".xml")
    xml = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-north-1").get_object(
        Bucket=s3_env, Key=xml_key)["Body"].read()
    # rendered on a worker with the e-invoice embedded
    assert PdfReader(out / f"{number}.pdf").attachments == {f"{number}-oioubl.xml": [xml]}
    assert len([k for k in keys if "/index-chain/" in k]) == SAMPLE_COUNT
    assert all(k.startswith("revisorhuset/") for k in keys)
    verified = run_faktura("archive", "verify", "--settings", str(settings), cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"Verified {SAMPLE_COUNT} archived invoices" in verified.stdout
    assert not (tmp_path / "archive").exists()  # nothing went to the local folder

    again = run_faktura("batch", str(SAMPLES), "--settings", str(settings), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"already issued {SAMPLE_COUNT}" in again.stdout
    assert emulator.stats()["postings"]["committed"] == SAMPLE_COUNT
