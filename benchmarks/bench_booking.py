"""Booking → archived PDF through the webhook, or the poll — run by hand, not in the test suite.

    python benchmarks/bench_booking.py                 # 100 bookings in a burst
    python benchmarks/bench_booking.py --count 30 --parallel 4
    python benchmarks/bench_booking.py --poll 60 --count 4   # no webhook: the server's poll

Starts the Uniconta emulator and `faktura serve` as their own processes (real HTTP on
127.0.0.1), registers the webhook, makes N orders in Uniconta (made there: the settings issue
Uniconta's own invoices too), then books them all at once through the emulator's admin route
(`--parallel` at a time). For each invoice it measures the time from the booking's answer to
Faktura's record that the invoice is archived (ClientTime PDF with its FI line, real
WeasyPrint), and reports p50, p95 and max with the machine's load, and the CPU a booking cost
in each process (the emulator, the server, its render workers, this one: load-independent where
the times are not). One booking before the burst warms the server up and is not counted.

With `--poll I` no webhook is registered: the server polls every I seconds
(`uniconta.follow_in_server`), the bookings are made one at a time at random moments (0 to I
seconds apart), and each one's delay is reported beside its bound, I plus the time the
issuing takes (the delay less I: at most the issuing time).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from sync.emulator import fixtures  # noqa: E402
from sync.emulator.server import free_port  # noqa: E402
from sync.posting.bookings import Bookings, BookingState  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
AUTH = (f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}", fixtures.PASSWORD)
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def start(args: list[str], ready: str, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=ENV,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if httpx.get(ready, timeout=2).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{args[0]} did not start; see {log}")


def settings_file(folder: Path, uniconta: str, poll: int | None) -> Path:
    text = (ROOT / "samples" / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "../var"', f'state_dir = "{folder / "state"}"')
    text = text.replace('archive_dir = "../var/archive"', f'archive_dir = "{folder / "archive"}"')
    text = text.replace('logo = "logo.png"', f'logo = "{ROOT / "samples" / "logo.png"}"')
    text = text.replace('# gateway_url = "http://127.0.0.1:8765"',
                        f'gateway_url = "{uniconta}"\ntransport = "rest"\npost_as_drafts = true'
                        f'\nwebhook_token = "{TOKEN}"\nissue_uniconta_invoices = true'
                        + (f"\nfollow_in_server = true\nfollow_interval = {poll}" if poll
                           else ""))
    path = folder / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def issued_count(ledger: Path) -> int:
    """Bookings issued so far (one cheap read of the ledger's file, while the server writes)."""
    try:
        with closing(sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM bookings WHERE state = ?",
                                    (BookingState.ISSUED.value,)).fetchone()[0])
    except sqlite3.OperationalError:  # not made yet
        return 0


def _cpu(pid: int) -> float:
    """User and system CPU seconds of a live process (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    out = []
    try:
        children = [c for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    except OSError:  # ended meanwhile
        return []
    for child in children:
        out += [int(child), *_descendants(int(child))]
    return out


def cpu_by_part(processes: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """CPU seconds so far of the emulator, the server, its render workers (its children, the
    ones alive now) and this process."""
    server = processes[1].pid
    mine = os.times()
    return {"emulator": _cpu(processes[0].pid), "server": _cpu(server),
            "render workers": sum(_cpu(pid) for pid in _descendants(server)),
            "benchmark": mine.user + mine.system}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--poll", type=int, metavar="I",
                        help="no webhook: the server polls every I seconds (60 at least)")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    emulator_port, serve_port = free_port(), free_port()
    uniconta = f"http://127.0.0.1:{emulator_port}"
    processes = [start(["uniconta-emulator", "--port", str(emulator_port), "--state",
                        str(folder / "emulator.sqlite")], f"{uniconta}/_emulator/health",
                       folder / "emulator.log")]
    settings = settings_file(folder, uniconta, options.poll)
    try:
        processes.append(start(["serve", "--port", str(serve_port), "--settings", str(settings)],
                               f"http://127.0.0.1:{serve_port}/healthz", folder / "serve.log"))
        api = httpx.Client(base_url=f"{uniconta}/api/Entities", auth=AUTH, timeout=60)
        if not options.poll:
            api.post("/Insert/TableChangeEventClient", json={
                "TableId": 0, "UsePost": True,
                "Url": f"http://127.0.0.1:{serve_port}/v1/uniconta/events/{TOKEN}",
            }).raise_for_status()
        api.post("/Insert/DebtorClient", json={"Account": "1001", "Name": "Kunde 1001 ApS",
                                               "Group": "1"}).raise_for_status()
        orders = api.post("/InsertList/DebtorOrderClient", json=[
            {"Account": "1001", "YourRef": f"bench {n}"} for n in range(options.count + 1)]).json()
        api.post("/InsertList/DebtorOrderLineClient", json=[
            {"OrderNumber": o["OrderNumber"], "Item": "1000", "Text": "Rådgivning",
             "Qty": 1.5 + n % 7, "Price": 950} for n, o in enumerate(orders)]).raise_for_status()

        booked_at: dict[str, float] = {}
        admin = httpx.Client(base_url=f"{uniconta}/_emulator", timeout=120)

        def book(order: int) -> None:
            answer = admin.post(f"/book/{order}").json()
            booked_at[str(answer["InvoiceNumber"])] = time.time()

        # A first booking warms the server up (its issuer, the render workers); not counted.
        warm_up = orders.pop(0)["OrderNumber"]
        book(warm_up)
        ledger = folder / "state" / "ledger.sqlite"
        while issued_count(ledger) < 1:
            time.sleep(0.2)
        booked_at.clear()
        cpu_before = cpu_by_part(processes)
        started = time.time()
        if options.poll:
            for order in orders:  # one at a time, at random moments of the poll's round
                time.sleep(random.uniform(0, options.poll))
                book(order["OrderNumber"])
        else:
            with ThreadPoolExecutor(options.parallel) as pool:
                list(pool.map(book, [o["OrderNumber"] for o in orders]))
        deadline = time.monotonic() + options.timeout
        while issued_count(ledger) <= options.count and time.monotonic() < deadline:
            time.sleep(0.5)
        cpu = {part: (spent - cpu_before.get(part, 0.0)) / options.count * 1000
               for part, spent in cpu_by_part(processes).items()}
        bookings = Bookings(ledger)
        issued = {r.invoice_number: r for r in bookings.all("revisorhuset", BookingState.ISSUED)}
        delays = sorted(issued[n].updated_at.replace(tzinfo=UTC).timestamp() - t
                        for n, t in booked_at.items() if n in issued)
        bookings.close()
        load = os.getloadavg()
        p95 = delays[max(0, int(round(0.95 * len(delays))) - 1)] if delays else float("nan")
        print(f"{len(delays)}/{options.count} archived in {time.time() - started:.1f} s;"
              f" booking → archived: p50 {statistics.median(delays):.2f} s, p95 {p95:.2f} s,"
              f" max {delays[-1]:.2f} s (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f},"
              f" {os.cpu_count()} cores)")
        print("CPU a booking: " + ", ".join(f"{part} {ms:.0f} ms" for part, ms in cpu.items()))
        if options.poll:
            print(f"poll every {options.poll} s: delay − interval at most"
                  f" {delays[-1] - options.poll:.2f} s (the bound: the issuing time)")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
