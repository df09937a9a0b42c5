"""Issuing on booking under faults, over 300 bookings: Faktura drafts over the REST transport,
the bookkeeper books in Uniconta (the emulator, its own process), `faktura serve` (its own
process) hears of each booking by webhook, a follower (`faktura follow --once`) polls beside
it — and both are killed with SIGKILL at random points and started again, every webhook is
replayed three times in another order, and forged, foreign-tenant and wrong-token events
arrive between. After a last `faktura follow --once`: every booked number issued exactly once
(archived once, recorded once, e-mailed at most once), nothing issued that was not booked,
the archive whole, and no process of a killed server left behind."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from delivery_support import SmtpServer
from pypdf import PdfReader
from typer.testing import CliRunner

from archive import LocalArchive
from booking_support import (
    ENV,
    REPO,
    SAMPLES,
    TOKEN,
    Uniconta,
    group_members,
    rest_settings,
    running_uniconta,
    start,
    stop,
)
from cli.main import app
from delivery import Outbox
from delivery.outbox import State as SendState
from faktura import fik
from sync.emulator import fixtures
from sync.emulator.server import free_port
from sync.posting.bookings import Bookings, BookingState
from sync.posting.ledger import Ledger, State

COUNT = 300
ROUNDS = 3
TENANT = "revisorhuset"
OTHER = "andenklient"
OTHER_TOKEN = "tok-8c2e51d0b9a74f3e96aa"
EMAIL = "bogholderi@kornblomsten.dk"


@pytest.fixture(scope="module")
def uniconta(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Uniconta]:
    with running_uniconta(tmp_path_factory.mktemp("uniconta")) as running:
        yield running


def _tenants(folder: Path, uniconta: Uniconta, smtp_port: int) -> Path:
    """A folder of two tenants' settings: ours, e-mailing each invoice as it is issued, and
    another firm's (another Uniconta company, another webhook token)."""
    tenants = folder / "tenants"
    tenants.mkdir()
    ours = rest_settings(folder / TENANT, uniconta, follow_in_server=False, extra=(
        f'\n[delivery]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        'from_address = "faktura@revisorhuset.dk"\nautomatic = true\n'
        f'\n[delivery.customers."1002"]\nemail = "{EMAIL}"\n'))
    (tenants / f"{TENANT}.toml").write_text(ours, encoding="utf-8")
    other = rest_settings(folder / OTHER, uniconta, follow_in_server=False)
    other = (other.replace(f'tenant = "{TENANT}"', f'tenant = "{OTHER}"')
             .replace(f'Username = "{fixtures.LOGIN}"', f'Username = "{fixtures.OTHER_LOGIN}"')
             .replace(f'Password = "{fixtures.PASSWORD}"',
                      f'Password = "{fixtures.OTHER_PASSWORD}"')
             .replace(f'Company = "{fixtures.COMPANY_NAME}"',
                      f'Company = "{fixtures.OTHER_COMPANY_NAME}"')
             .replace(TOKEN, OTHER_TOKEN))
    (tenants / f"{OTHER}.toml").write_text(other, encoding="utf-8")
    return tenants


class Server:
    """`faktura serve` on one port, killed and started again; the process groups of the
    killed ones are kept to find what they left running."""

    def __init__(self, tenants: Path, log: Path) -> None:
        self.tenants, self.log = tenants, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.killed: list[int] = []

    def start(self) -> None:
        self.process = start(["serve", "--port", str(self.port), "--render-workers", "2",
                              "--settings", str(self.tenants)], f"{self.url}/healthz",
                             self.log, new_session=True)

    def kill(self) -> None:
        """SIGKILL (unless it was killed already): the process alone, as the kernel's
        out-of-memory killer or a crash would end it, not its render workers."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.killed.append(self.process.pid)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def left_running(self) -> list[int]:
        return [pid for group in self.killed for pid in group_members(group)]


def _follower_killed(settings: Path, ledger_file: Path, rng: random.Random,
                     later: float = 0.0) -> bool:
    """A `faktura follow --once` killed at work (True), or let finish (False)."""
    process = subprocess.Popen([sys.executable, "-m", "cli.main", "follow", "--once",
                                "--settings", str(settings)], cwd=REPO, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = _kill_at_work(process, ledger_file, rng, later)
    process.wait()
    return killed


def _issued(ledger_file: Path) -> int:
    """Bookings recorded as dealt with so far (read as another process would)."""
    try:
        with sqlite3.connect(f"file:{ledger_file}?mode=ro", uri=True, timeout=30) as db:
            return int(db.execute("SELECT count(*) FROM bookings").fetchone()[0])
    except sqlite3.OperationalError:  # not made yet
        return 0


def _kill_at_work(process: subprocess.Popen[bytes] | None, ledger_file: Path,
                  rng: random.Random, later: float = 0.0, count: int = COUNT) -> bool:
    """Once the process is at work (one more booking dealt with), SIGKILL it at a random
    point of the next (`later` seconds more); False if it ended first or found no more work."""
    assert process is not None
    before = _issued(ledger_file)
    deadline = time.monotonic() + 120  # nothing left for it to do: not killed
    while process.poll() is None and before == _issued(ledger_file) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    time.sleep(later + rng.uniform(0, 0.4))
    if process.poll() is not None or _issued(ledger_file) >= count:
        return False
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def _draft(settings: Path, folder: Path, count: int = COUNT) -> list[int]:
    base = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    files = []
    folder.mkdir()
    for n in range(count):
        path = folder / f"f{n:03d}.json"
        path.write_text(json.dumps({**base, "source_id": f"F-{n:03d}"}), encoding="utf-8")
        files.append(str(path))
    result = CliRunner().invoke(app, ["sync", *files, "--settings", str(settings)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    orders = [int(line.split("order ")[1].split()[0]) for line in result.stdout.splitlines()
              if "drafted" in line and "order " in line]
    assert len(orders) == count, result.stdout[-2000:]
    return orders


class Traffic:
    """The bookkeeper booking the drafts one by one, and Uniconta's webhook calls replayed
    (each booking's three more times, in random order) with forged events between; a call
    the server was not there for is made again until it is answered."""

    def __init__(self, uniconta: Uniconta, server: Server, orders: list[int],
                 rng: random.Random) -> None:
        self.uniconta, self.server, self.orders, self.rng = uniconta, server, orders, rng
        self.booked: list[tuple[int, int]] = []  # (invoice number, row id)
        self.forged = self._forged()
        self.answers: dict[str, list[int]] = {}
        self.failure: BaseException | None = None
        self._threads = [threading.Thread(target=self._guarded, args=(work,), daemon=True)
                         for work in (self._book, self._replay)]

    def _forged(self) -> list[tuple[str, str, dict[str, str]]]:
        """(kind, token, query) of 20 events no booking of ours stands behind."""
        last = fixtures.FIRST_INVOICE_NUMBER + COUNT - 1
        events: list[tuple[str, str, dict[str, str]]] = []
        for n in range(5):
            events.append(("wrong token", f"forged-{self.rng.randrange(10**12)}-{n:02d}",
                           {"Key": str(last - n), "RowId": str(n + 1)}))
            events.append(("made-up key", TOKEN, {
                "Key": [str(10**12 + n), "-5", "20260001;1", "x" * 40, str(10**30)][n],
                "RowId": str(self.rng.randrange(10**6, 10**9))}))
            # Another firm's token with our numbers: read back from its own company only.
            events.append(("foreign tenant", OTHER_TOKEN,
                           {"Key": str(fixtures.FIRST_INVOICE_NUMBER + n), "RowId": str(n + 1),
                            "Company": str(fixtures.COMPANY_ID)}))
            # Our token naming another company, and numbers beyond the last booking.
            events.append(("not booked", TOKEN,
                           {"Key": str(last + 1 + n), "Company": str(fixtures.OTHER_COMPANY_ID),
                            "Operation": "Insert"}))
        self.rng.shuffle(events)
        return events

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()
        if self.failure is not None:
            raise self.failure

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def _guarded(self, work: object) -> None:
        try:
            work()  # type: ignore[operator]
        except BaseException as error:  # noqa: BLE001 - raised again in `join`
            self.failure = error

    def _book(self) -> None:
        for order in self.orders:
            answer = self.uniconta.book(order)
            self.booked.append((answer["InvoiceNumber"], answer["RowId"]))
            time.sleep(self.rng.uniform(0, 0.1))

    def _replay(self) -> None:
        waiting: list[tuple[str, str, dict[str, str]]] = []
        seen = 0
        while True:
            for number, row in self.booked[seen:]:
                hint = {"Company": str(fixtures.COMPANY_ID), "Table": "79", "Key": str(number),
                        "RowId": str(row), "Operation": "Insert"}
                waiting += [("replay", TOKEN, hint)] * 3
            seen = len(self.booked)
            if self.forged and self.rng.random() < 0.03:
                waiting.append(self.forged.pop())
            if not waiting:
                if not self._threads[0].is_alive() and seen == len(self.booked):
                    if not self.forged:
                        return
                    waiting.append(self.forged.pop())
                else:
                    time.sleep(0.05)
                    continue
            event = waiting.pop(self.rng.randrange(len(waiting)))
            kind, token, query = event
            try:
                answer = httpx.post(f"{self.server.url}/v1/uniconta/events/{token}",
                                    params=query, json={"InvoiceNumber": 1, "TotalAmount": 1},
                                    timeout=10)
            except httpx.HTTPError:  # the server is down (killed): the call is made again
                waiting.append(event)
                time.sleep(0.2)
                continue
            self.answers.setdefault(kind, []).append(answer.status_code)
            time.sleep(self.rng.uniform(0, 0.03))


def _new_lines(log: Path, offset: int, count: int) -> list[dict[str, object]]:
    """The next `count` lines written to `log` after `offset` (as JSON), once written."""
    deadline = time.monotonic() + 30
    while True:
        with log.open("rb") as handle:
            handle.seek(offset)
            lines = handle.read().decode().splitlines()
        if len(lines) >= count or time.monotonic() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.1)


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def test_bookings_are_issued_exactly_once_through_kills_replays_and_forgeries(
        uniconta: Uniconta, tmp_path: Path) -> None:
    uniconta.reset()
    rng = random.Random(20261207)
    with SmtpServer() as smtp:
        tenants = _tenants(tmp_path, uniconta, smtp.port)
        settings = tenants / f"{TENANT}.toml"
        orders = _draft(settings, tmp_path / "drafts")
        rng.shuffle(orders)  # booked in another order than drafted
        server = Server(tenants, tmp_path / "serve.log")
        server.start()
        try:
            hook = f"{server.url}/v1/uniconta/events/{TOKEN}"
            registered = CliRunner().invoke(app, ["follow", "--register-webhook", hook,
                                                  "--settings", str(settings)])
            assert registered.exit_code == 0, registered.output

            # A wrong token: 404 before anything is read (Uniconta is not asked), and
            # nothing logged but the request line, which names the route, not the path.
            calls, logged = uniconta.calls(), server.log.stat().st_size
            for n in range(3):
                wrong = httpx.post(f"{server.url}/v1/uniconta/events/{TOKEN[:-1]}-{n}",
                                   params={"Key": "20260001", "RowId": "1"}, timeout=10)
                assert wrong.status_code == 404 and TOKEN[:-1] not in wrong.text
            assert uniconta.calls() == calls
            lines = _new_lines(server.log, logged, 3)
            assert len(lines) == 3 and {(line["route"], line["status"]) for line in lines} == {
                ("/v1/uniconta/events/{token}", 404)}

            traffic = Traffic(uniconta, server, orders, rng)
            traffic.start()
            ledger_file = tmp_path / TENANT / "state" / "ledger.sqlite"
            follower_kills = server_kills = 0
            for _ in range(ROUNDS):
                # The server, once at work, killed at a random point of a booking; the
                # webhooks of the while it is down are lost.
                server_kills += _kill_at_work(server.process, ledger_file, rng)
                server.kill()
                # The poll alone meanwhile, killed at a random point of a booking.
                follower_kills += _follower_killed(settings, ledger_file, rng)
                # The server back, with the poll beside it (both claim the same numbers).
                server.start()
                follower_kills += _follower_killed(settings, ledger_file, rng,
                                                   later=rng.uniform(0, 3))
            assert server_kills >= 2 and follower_kills >= 3
            traffic.join()
        finally:
            server.stop()
        final = subprocess.run([sys.executable, "-m", "cli.main", "follow", "--once",
                                "--settings", str(settings)], cwd=REPO, env=ENV,
                               capture_output=True, text=True, timeout=600)
        assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
        again = CliRunner().invoke(app, ["follow", "--once", "--settings", str(settings)],
                                   env={"COLUMNS": "300"})
        assert again.exit_code == 0 and "nothing new booked" in again.stdout, again.output

    answers = traffic.answers
    assert len(answers["replay"]) == 3 * COUNT and set(answers["replay"]) == {202}
    assert answers["wrong token"] == [404] * 5
    assert answers["made-up key"] == answers["foreign tenant"] == answers["not booked"] \
        == [202] * 5

    # Uniconta's truth: what it booked, and nothing else.
    rows = {row["InvoiceNumber"]: row for row in uniconta.rest("GET", "DebtorInvoiceClient")}
    numbers = sorted(rows)
    assert numbers == sorted(number for number, _ in traffic.booked)
    assert len(numbers) == COUNT

    folder = tmp_path / TENANT
    bookings = Bookings(folder / "state" / "ledger.sqlite")
    try:
        records = bookings.all(TENANT)
    finally:
        bookings.close()
    assert sorted(int(r.invoice_number) for r in records) == numbers  # none lost, none false
    assert {r.state for r in records} == {BookingState.ISSUED}
    assert {r.attempts for r in records} == {1}  # each recorded once

    archive = LocalArchive(folder / "archive")
    try:
        entries = list(archive.sqlite_index.all(TENANT))
        assert sorted(int(e.invoice_number) for e in entries) == numbers
        assert len({e.source_id for e in entries}) == COUNT  # each draft issued once
        for entry in entries:
            booked = rows[int(entry.invoice_number)]
            assert entry.uniconta_invoice_number == int(entry.invoice_number)
            assert f"{entry.total_amount:.2f}" == f"{booked['TotalAmount']:.2f}"
            assert entry.fik_line == fik.code_line("71", "85000012", entry.invoice_number)
        report = archive.verify()
        assert report.ok and report.checked == COUNT, report.problems
        for entry in rng.sample(entries, 3):
            text = _pdf_text(archive.pdf(TENANT, entry.invoice_number)).replace(" ", "")
            assert entry.fik_line is not None
            assert entry.fik_line[:-1].replace(" ", "") in text
    finally:
        archive.close()
    kept = [p for p in (folder / "archive" / TENANT).rglob("*") if p.is_file()]
    assert not [p.name for p in kept if p.name.startswith(".")]  # no half-written file
    assert {p.name for p in kept if p.parent.name != "index-chain"} == {
        f"{e.invoice_number}.{kind}" for e in entries for kind in ("pdf", "json")}  # no orphan

    ledger = Ledger(folder / "state" / "ledger.sqlite")
    try:
        postings = ledger.all(TENANT)
    finally:
        ledger.close()
    assert {p.state for p in postings} == {State.ARCHIVED}
    assert sorted(int(p.invoice_number or 0) for p in postings) == numbers

    # The other firm heard our numbers and read them back from its own company: nothing.
    other = Bookings(tmp_path / OTHER / "state" / "ledger.sqlite")
    try:
        assert other.all(OTHER) == []
    finally:
        other.close()
    assert not any((tmp_path / OTHER / "archive").rglob("*.pdf"))

    # Each invoice e-mailed once at most: one send each, none twice in the mailbox.
    outbox = Outbox(folder / "state" / "delivery.sqlite")
    try:
        sends = outbox.latest(TENANT, [str(n) for n in numbers])
        assert len(sends) == COUNT and {s.round for s in sends.values()} == {1}
        states = [s.state for s in sends.values()]
        assert set(states) <= {SendState.SENT, SendState.UNCONFIRMED}, set(states)
    finally:
        outbox.close()
    arrivals = smtp.mailbox.by_message_id()
    assert all(len(copies) == 1 for copies in arrivals.values())
    assert states.count(SendState.SENT) <= len(arrivals) <= COUNT

    assert server.left_running() == []
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert TOKEN not in log and OTHER_TOKEN not in log and "forged-" not in log


def test_a_server_killed_while_it_issues_finishes_the_job_with_its_own_poll(
        uniconta: Uniconta, tmp_path: Path) -> None:
    """`faktura serve` with `follow_in_server`, killed twice while it issues what the webhook
    told it: started again, its own poll issues what the killed one left, each once."""
    uniconta.reset()
    rng = random.Random(7)
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    settings = tenants / f"{TENANT}.toml"
    settings.write_text(rest_settings(tmp_path / TENANT, uniconta), encoding="utf-8")
    count = 12
    orders = _draft(settings, tmp_path / "drafts", count)
    ledger_file = tmp_path / TENANT / "state" / "ledger.sqlite"
    server = Server(tenants, tmp_path / "serve.log")
    server.start()
    try:
        registered = CliRunner().invoke(app, [
            "follow", "--register-webhook", f"{server.url}/v1/uniconta/events/{TOKEN}",
            "--settings", str(settings)])
        assert registered.exit_code == 0, registered.output
        numbers = [uniconta.book(order)["InvoiceNumber"] for order in orders]
        kills = 0
        for _ in range(2):
            kills += _kill_at_work(server.process, ledger_file, rng, count=count)
            server.kill()
            server.start()
        assert kills >= 1
        deadline = time.monotonic() + 300
        while _issued(ledger_file) < count:
            assert time.monotonic() < deadline, "the restarted server did not finish"
            time.sleep(0.2)
    finally:
        server.stop()
    bookings = Bookings(ledger_file)
    try:
        records = bookings.all(TENANT)
    finally:
        bookings.close()
    assert sorted(int(r.invoice_number) for r in records) == numbers
    assert {(r.state, r.attempts) for r in records} == {(BookingState.ISSUED, 1)}
    archive = LocalArchive(tmp_path / TENANT / "archive")
    try:
        assert sorted(int(e.invoice_number) for e in archive.sqlite_index.all(TENANT)) == numbers
        assert archive.verify().ok
    finally:
        archive.close()
    assert server.left_running() == []


def test_a_burst_of_webhook_calls_does_not_hold_up_the_next_answer(
        uniconta: Uniconta, tmp_path: Path) -> None:
    """While every worker thread of the server waits for a slow Uniconta to answer the
    read-backs of a burst of calls, one more call is still answered (202) before any of
    those reads has come back: Uniconta calls once and does not wait long."""
    uniconta.reset()
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    text = rest_settings(tmp_path / TENANT, uniconta, follow_in_server=False)
    (tenants / f"{TENANT}.toml").write_text(  # no reads of its own: only the hints'
        text.replace("follow_in_server = false", "follow_in_server = false\nstatus_interval = 0"),
        encoding="utf-8")
    server = Server(tenants, tmp_path / "serve.log")
    server.start()
    try:
        httpx.post(f"{uniconta.url}/_emulator/faults", json={"latency_ms": 20000},
                   timeout=10).raise_for_status()
        hook = f"{server.url}/v1/uniconta/events/{TOKEN}"
        with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=100)) as client:
            def hint(n: int) -> int:
                return client.post(hook, params={"Key": str(10**9 + n),
                                                 "RowId": str(10**6 + n)}).status_code

            calls = uniconta.calls()
            with ThreadPoolExecutor(20) as pool:
                assert set(pool.map(hint, range(60))) == {202}
            assert hint(60) == 202
            assert uniconta.calls() == calls  # no read-back has come back yet
    finally:
        server.kill()  # what it was told to read back is nothing: not waited for
        uniconta.reset()
