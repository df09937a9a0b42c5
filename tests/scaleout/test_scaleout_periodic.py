"""Background work on Celery workers, with no webhook and no command run: `faktura beat` sends
the poll and the payment-status read, two `faktura worker`s (Redis broker) issue what a
bookkeeper booked in Uniconta (the emulator, its own process) and read the statuses, and the
invoices they archive are e-mailed to a real SMTP server on loopback, each exactly once. Two
beats run, as a careless deployment would: nothing is done twice."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from delivery_support import SmtpServer
from scaleout_support import REPO, Workers, faktura_env, run_faktura, scaleout_settings
from test_booking import SAMPLES, Uniconta, uniconta  # noqa: F401 - the emulator process
from test_delivery import one_line
from typer.testing import CliRunner

from archive import LocalArchive
from cli.main import app
from faktura.model import invoice_json
from infra.settings_files import load_settings
from issuing.bootstrap import open_status_store
from sync.posting.bookings import Bookings, BookingState

TENANT = "revisorhuset"


def _settings(tmp: Path, gateway_url: str, broker_url: str, smtp_port: int) -> Path:
    """The samples' settings in drafts mode over the REST API, workers on `broker_url`,
    the poll on the workers, automatic e-mail through the loopback server."""
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "../var"', f'state_dir = "{tmp / "state"}"\n'
                        f'broker_url = "{broker_url}"\n'
                        f'queue_namespace = "t{uuid.uuid4().hex[:10]}"')
    text = text.replace('archive_dir = "../var/archive"', f'archive_dir = "{tmp / "archive"}"')
    text = text.replace('logo = "logo.png"', f'logo = "{SAMPLES / "logo.png"}"')
    text = text.replace('# gateway_url = "http://127.0.0.1:8765"',
                        f'gateway_url = "{gateway_url}"\ntransport = "rest"\n'
                        "post_as_drafts = true\nfollow_in_workers = true")
    text += (f'\n[delivery]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
             'from_address = "faktura@revisorhuset.dk"\nautomatic = true\n')
    path = tmp / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _faktura(settings: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--settings", str(settings)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _issued(settings: Path) -> list[str]:
    bookings = Bookings(settings.parent / "state" / "ledger.sqlite")
    try:
        return sorted(r.invoice_number for r in bookings.all(TENANT, BookingState.ISSUED))
    finally:
        bookings.close()


@pytest.fixture
def beats(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for beat in started:
        beat.terminate()
        try:
            beat.wait(20)
        except subprocess.TimeoutExpired:
            beat.kill()
            beat.wait()


def test_beat_and_workers_issue_bookings_read_statuses_and_mail_each_invoice_once(
        tmp_path: Path, uniconta: Uniconta, redis_url: str, workers: Workers,  # noqa: F811
        beats: list[subprocess.Popen[bytes]]) -> None:
    httpx.post(f"{uniconta.url}/_emulator/reset-state", timeout=30).raise_for_status()
    with SmtpServer() as smtp:
        settings = _settings(tmp_path, uniconta.url, redis_url, smtp.port)
        files = []
        for n in (1, 2):
            path = tmp_path / f"p{n}.json"
            path.write_text(invoice_json(one_line(f"P-{n}")), encoding="utf-8")
            files.append(str(path))
        first_order, second_order = map(int, re.findall(r"order (\d+)",
                                                         _faktura(settings, "sync", *files)))
        # The first booking issued by a person's `follow --once` (and mailed by it), then paid.
        first = str(uniconta.book(first_order)["InvoiceNumber"])
        _faktura(settings, "follow", "--once")
        httpx.post(f"{uniconta.url}/_emulator/payments", json={"invoice": int(first)},
                   timeout=10).raise_for_status()
        # The second: booked, and then nobody runs anything.
        second = str(uniconta.book(second_order)["InvoiceNumber"])

        workers.start()
        workers.start()
        for n in range(2):
            log = (tmp_path / f"beat-{n}.log").open("wb")
            beats.append(subprocess.Popen(
                [sys.executable, "-m", "cli.main", "beat", "--settings", str(settings)],
                cwd=REPO, env=faktura_env(), stdout=log, stderr=subprocess.STDOUT))
        config = load_settings(settings)
        deadline = time.monotonic() + 240

        def done() -> bool:
            with open_status_store(config) as store:
                known = store.of(TENANT)
            return (_issued(settings) == sorted([first, second]) and first in known
                    and str(known[first].status) == "paid" and len(smtp.mailbox.arrivals) >= 2)

        while not done():
            assert time.monotonic() < deadline, workers.logs() + _beat_logs(tmp_path)
            assert all(beat.poll() is None for beat in beats), _beat_logs(tmp_path)
            time.sleep(0.5)
        for beat in beats:
            beat.terminate()
        workers.stop_all()  # a worker's process sends what it queued before it ends

    by_id = smtp.mailbox.by_message_id()
    assert len(smtp.mailbox.arrivals) == 2 and all(len(a) == 1 for a in by_id.values())
    subjects = sorted(str(a.message["Subject"]) for a in smtp.mailbox.arrivals)
    assert subjects == sorted(f"Faktura {n} fra Revisorhuset ApS" for n in (first, second))
    archive = LocalArchive(tmp_path / "archive")
    try:
        [mailed] = [a for a in smtp.mailbox.arrivals if second in str(a.message["Subject"])]
        assert mailed.attachments()[f"{second}.pdf"] == archive.pdf(TENANT, second)
    finally:
        archive.close()
    bookings = Bookings(tmp_path / "state" / "ledger.sqlite")
    try:
        assert all(r.attempts == 1 for r in bookings.all(TENANT))  # each issued once
    finally:
        bookings.close()
    logs = workers.logs()
    assert "faktura.follow" in logs and "faktura.refresh_status" in logs


def _beat_logs(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.glob("beat-*.log")))


def test_a_batch_on_workers_mails_each_invoice_once(tmp_path: Path, emulator, redis_url: str,
                                                   workers: Workers) -> None:
    with SmtpServer() as smtp:
        settings = scaleout_settings(tmp_path, gateway_url=emulator.base_url,
                                     broker_url=redis_url)
        with settings.open("a", encoding="utf-8") as text:
            text.write(f'\n[delivery]\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                       'security = "none"\nfrom_address = "faktura@revisorhuset.dk"\n'
                       "automatic = true\n")
        folder = tmp_path / "in"
        folder.mkdir()
        for n in (1, 2):
            (folder / f"w{n}.json").write_text(invoice_json(one_line(f"W-{n}")),
                                               encoding="utf-8")
        workers.start()
        batch = run_faktura("batch", str(folder), "--settings", str(settings), cwd=tmp_path)
        assert batch.returncode == 0, batch.stdout + batch.stderr + workers.logs()
        assert "issued 2" in batch.stdout
        again = run_faktura("batch", str(folder), "--settings", str(settings), cwd=tmp_path)
        assert again.returncode == 0 and "already issued 2" in again.stdout
    numbers = sorted(e["InvoiceNumber"] for e in emulator.query("DebtorInvoice"))
    by_id = smtp.mailbox.by_message_id()
    assert len(smtp.mailbox.arrivals) == 2 and all(len(a) == 1 for a in by_id.values())
    assert sorted(str(a.message["Subject"]) for a in smtp.mailbox.arrivals) == [
        f"Faktura {n} fra Revisorhuset ApS" for n in numbers]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_one_poll_and_one_status_read_at_a_time_per_tenant(backend: str, request,
                                                            tmp_path: Path) -> None:
    """What keeps two workers (two machines, on PostgreSQL) from polling or reading at once:
    a second round is told at once that the first is under way, another tenant's is not."""
    from delivery.payments import PaymentStatusStore

    def target(name: str) -> Path | str:
        return request.getfixturevalue("pg_url") if backend == "postgresql" else tmp_path / name

    pairs = [(Bookings(target("ledger.sqlite")), Bookings(target("ledger.sqlite")), "follower"),
             (PaymentStatusStore(target("delivery.sqlite")),
              PaymentStatusStore(target("delivery.sqlite")), "refreshing")]
    try:
        for first, second, lock in pairs:
            with getattr(first, lock)(TENANT) as held:
                assert held
                with getattr(second, lock)(TENANT, wait=False) as also:
                    assert not also
                with getattr(second, lock)("other-firm", wait=False) as other:
                    assert other
            with getattr(second, lock)(TENANT, wait=False) as after:
                assert after
    finally:
        for first, second, _ in pairs:
            first.close()
            second.close()
