"""E-mailing issued invoices: a real SMTP server on loopback reads back what arrived.

Invoices are issued through the whole pipeline (posted to the Uniconta emulator over HTTP,
rendered as PDF/A-3b, archived), then sent with `faktura send` run as a person would; the
attachments that arrive are compared byte for byte with the archive.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from delivery_support import SmtpServer, settings_file
from people_support import environment

from archive import NewArchiveItem
from issuing.bootstrap import open_archive, open_issuer, open_outbox
from issuing.delivery import AutomaticDelivery
from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from renderer.render import Renderer
from sync.emulator.testing import EmulatorHandle

ROOT = Path(__file__).resolve().parent.parent
EAN = "5790001234560"
CONTACT = "anna@kornblomsten.dk"


def one_line(source_id: str, *, ean: str | None = None, language: str | None = None,
             contact: str | None = CONTACT) -> Invoice:
    data = json.loads((ROOT / "samples" / "01-one-line.json").read_text(encoding="utf-8"))
    data["source_id"] = source_id
    if ean:
        data["customer"]["ean"] = ean
    if language:
        data["customer"]["language"] = language
    if contact:
        data["contact"] = {"first_name": "Anna", "last_name": "Bager", "email": contact}
    return parse_invoice(data, source_id)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def faktura(settings: Path, *args: str, **popen: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=settings.parent,
                          env=environment(settings), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def issue(settings: Path, renderer: Renderer, *invoices: Invoice) -> list[str]:
    with open_issuer(load_settings(settings), renderer=renderer) as issuer:
        return [issuer.issue(invoice).invoice_number for invoice in invoices]


def log_events(config: Settings, number: str) -> list[tuple[str, str | None]]:
    with open_outbox(config) as outbox:
        return [(line.event, line.detail) for line in outbox.log_of(config.tenant, number)]


def test_an_issued_invoice_is_mailed_once_with_the_archived_pdf_and_xml(
        emulator: EmulatorHandle, smtp: SmtpServer, tmp_path: Path, renderer: Renderer):
    path = settings_file(tmp_path / "firm", emulator.base_url, smtp.port)
    [number] = issue(path, renderer, one_line("MAIL-1", ean=EAN))
    config = load_settings(path)

    done = faktura(path, "send", number)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{number}\tsent\tto {CONTACT}: 250 2.0.0 Ok: queued as Q1" in done.stdout

    [arrival] = smtp.mailbox.arrivals
    message = arrival.message
    assert arrival.recipients == [CONTACT] and message["To"] == CONTACT
    assert arrival.sender == "faktura@revisorhuset.dk"
    assert message["Subject"] == f"Faktura {number} fra Revisorhuset ApS"
    assert message["Message-ID"] == f"<invoice-{number}.revisorhuset@revisorhuset.dk>"
    body = message.get_body(("plain",)).get_content()
    assert "Kære Bageriet Kornblomsten" in body and "Betal med FI-kort: +71<" in body
    with open_archive(config) as archive:
        assert arrival.attachments() == {
            f"{number}.pdf": archive.pdf(config.tenant, number),  # byte for byte
            f"{number}-oioubl.xml": archive.xml(config.tenant, number)}

    again = faktura(path, "send", number)  # sent before: not sent twice
    assert again.returncode == 0 and "already sent" in again.stdout
    assert len(smtp.mailbox.arrivals) == 1
    events = [event for event, _ in log_events(config, number)]
    assert events == ["queued", "sending", "sent"]

    copy = faktura(path, "send", number, "--again")  # on purpose: a new copy, a new id
    assert copy.returncode == 0, copy.stderr
    assert [a.message["Message-ID"] for a in smtp.mailbox.arrivals] == [
        f"<invoice-{number}.revisorhuset@revisorhuset.dk>",
        f"<invoice-{number}.revisorhuset.r2@revisorhuset.dk>"]
    shown = faktura(path, "send", "--log", number)
    assert "\t#1\tsent\t250 2.0.0 Ok: queued as Q1" in shown.stdout
    assert "\t#2\tqueued\tsent again on request" in shown.stdout


def test_an_e_invoice_that_uniconta_sends_is_never_mailed_and_the_route_is_shown(
        emulator: EmulatorHandle, smtp: SmtpServer, tmp_path: Path, renderer: Renderer):
    path = settings_file(
        tmp_path / "firm", emulator.base_url, smtp.port, einvoice_when="always",
        delivery='uniconta_sends_oioubl = true\n[delivery.customers."1003"]\n'
                 'email = "faktura@other.dk"\n')
    with_ean, without = issue(path, renderer, one_line("MAIL-EAN", ean=EAN, language="en"),
                              one_line("MAIL-PEPPOL"))
    done = faktura(path, "send", with_ean, without)
    assert done.returncode == 0, done.stdout + done.stderr

    first, second = smtp.mailbox.arrivals
    assert list(first.attachments()) == [f"{with_ean}.pdf"]  # OIOUBL goes by Uniconta
    assert first.message["Subject"] == f"Invoice {with_ean} from Revisorhuset ApS"
    assert "The electronic invoice is attached" not in first.message.get_body().get_content()
    assert list(second.attachments()) == [f"{without}.pdf", f"{without}-peppol.xml"]
    assert ("einvoice", f"the e-invoice goes by Uniconta's OIOUBL sending to EAN {EAN},"
            " not attached") in log_events(load_settings(path), with_ean)

    shown = faktura(path, "send", "--customers")
    assert shown.returncode == 0, shown.stderr
    assert (f"1002\tBageriet Kornblomsten\t{CONTACT}\tcontact\te-mail (XML attached)"
            in shown.stdout)  # its latest invoice (Peppol, no EAN)


def test_a_refused_recipient_is_logged_and_retried(
        emulator: EmulatorHandle, smtp: SmtpServer, tmp_path: Path, renderer: Renderer):
    path = settings_file(tmp_path / "firm", emulator.base_url, smtp.port)
    [number] = issue(path, renderer, one_line("MAIL-REFUSED"))
    smtp.mailbox.refuse.add(CONTACT)

    refused = faktura(path, "send", number)
    assert refused.returncode == 1
    assert (f"{number}\tfailed\trecipient {CONTACT} refused: 550 5.1.1 <{CONTACT}>: mailbox"
            " unavailable") in refused.stdout
    assert smtp.mailbox.arrivals == []

    smtp.mailbox.refuse.clear()
    retried = faktura(path, "send", "--pending")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert len(smtp.mailbox.arrivals) == 1
    events = log_events(load_settings(path), number)
    assert [event for event, _ in events] == ["queued", "sending", "failed", "retried", "sent"]
    assert events[3][1] == f"attempt 2 to {CONTACT}"


def test_automatic_delivery_mails_each_invoice_as_it_is_issued(
        emulator: EmulatorHandle, smtp: SmtpServer, tmp_path: Path, renderer: Renderer):
    path = settings_file(tmp_path / "firm", emulator.base_url, smtp.port,
                         delivery="automatic = true")
    numbers = issue(path, renderer, one_line("AUTO-1"), one_line("AUTO-2", contact=None))
    # The second has no e-mail address anywhere: it waits, and says why.
    [arrival] = smtp.mailbox.arrivals
    assert arrival.message["Subject"] == f"Faktura {numbers[0]} fra Revisorhuset ApS"
    events = log_events(load_settings(path), numbers[1])
    assert events[-1][0] == "failed" and "no e-mail address" in (events[-1][1] or "")


def test_an_invoice_queued_while_a_round_sends_is_sent_before_automatic_delivery_ends():
    """The batch ends (`close`) while the sender is still busy with an earlier invoice: the
    one queued meanwhile is sent before the batch returns, not left for the next run."""
    outbox: list[str] = ["first"]
    rounds: list[list[str]] = []
    busy, go_on = threading.Event(), threading.Event()

    class SlowDeliverer:
        def send_pending(self) -> list[Any]:
            rounds.append(outbox[:])
            outbox.clear()
            if len(rounds) == 1:
                busy.set()
                assert go_on.wait(30)
            return []

    automatic = AutomaticDelivery(SlowDeliverer())  # type: ignore[arg-type]
    automatic.wake()
    assert busy.wait(30)
    outbox.append("second")
    automatic.wake()
    closing = threading.Thread(target=automatic.close)
    closing.start()
    while not automatic._stop:  # the batch has ended while the first round still sends
        time.sleep(0.01)
    go_on.set()
    closing.join(30)
    assert not closing.is_alive()
    assert rounds == [["first"], ["second"]]


def test_kill_9_while_sending_gives_no_double_and_no_lost_mail(
        emulator: EmulatorHandle, smtp: SmtpServer, tmp_path: Path, renderer: Renderer):
    path = settings_file(tmp_path / "firm", emulator.base_url, smtp.port)
    config = load_settings(path)
    [first] = issue(path, renderer, one_line("KILL-0"))
    count = 40
    with open_archive(config) as archive, open_outbox(config) as outbox:
        # The same archived PDF under more numbers: each one a send of its own.
        issued = archive.get(config.tenant, first)
        pdf, text = archive.pdf(config.tenant, first), archive.invoice_json(config.tenant, first)
        numbers = [str(int(first) + n) for n in range(count)]
        for number in numbers[1:]:
            data = json.loads(text)
            data.update(invoice_number=number, source_id=f"KILL-{number}")
            archive.put(NewArchiveItem(**{**issued.model_dump(include=set(
                NewArchiveItem.model_fields) - {"pdf", "invoice_json", "xml"}),
                "invoice_number": number, "source_id": f"KILL-{number}"},
                pdf=pdf, invoice_json=json.dumps(data)))
        for number in numbers:
            outbox.queue(config.tenant, number, lambda r, n=number: f"<invoice-{n}.t@x>")
    smtp.mailbox.delay = smtp.mailbox.rcpt_delay = 0.02  # a server that takes its time
    rng = random.Random(24)
    kills = 0
    env = environment(path)
    while len(smtp.mailbox.arrivals) < count and kills < 6:
        sender = subprocess.Popen([sys.executable, "-m", "cli.main", "send", "--pending"],
                                  cwd=path.parent, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        target = min(count, len(smtp.mailbox.arrivals) + rng.randint(2, 8))
        deadline = time.monotonic() + 30
        while len(smtp.mailbox.arrivals) < target and sender.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.08))  # land anywhere in a send, or the next
        if sender.poll() is None:
            os.kill(sender.pid, signal.SIGKILL)
            kills += 1
        sender.wait()
    final = faktura(path, "send", "--pending")  # what is left, to the end
    assert kills >= 3
    arrived = smtp.mailbox.by_message_id()
    doubles = {mid: len(a) for mid, a in arrived.items() if len(a) > 1}
    with open_outbox(config) as outbox:
        sends = [outbox.get(config.tenant, number) for number in numbers]
        events = [line.event for number in numbers
                  for line in outbox.log_of(config.tenant, number)]
    print(f"{kills} kills: {events.count('interrupted')} sends interrupted before the"
          f" hand-over (sent again), {events.count('unconfirmed')} after it (not sent again)")
    # A kill between recording the hand-over and the message's last line leaves a send that
    # never arrived as `unconfirmed`: shown to a person (`send --log`, exit 1), never silent.
    missing = [s for s in sends if s and s.message_id not in arrived]
    lost = [s.invoice_number for s in missing if s.state != "unconfirmed"]
    assert doubles == {} and lost == [], final.stdout
    assert {s.state for s in sends if s} <= {"sent", "unconfirmed"}
    assert len(arrived) + len(missing) == count


def test_starttls_and_login_and_the_password_never_written(
        emulator: EmulatorHandle, tmp_path: Path, renderer: Renderer):
    import ssl

    from delivery_support import Login, self_signed

    password = "pw-Never-Logged-7"
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    login = Login("faktura@revisorhuset.dk", password)
    with SmtpServer(tls_context=context, require_starttls=True, authenticator=login,
                    auth_require_tls=True) as smtp:
        wrong = settings_file(tmp_path / "wrong", emulator.base_url, smtp.port, delivery=(
            f'security = "starttls"\nusername = "faktura@revisorhuset.dk"\n'
            f'password = "not-{password}"\nca_file = "{cert}"\n'))
        [number] = issue(wrong, renderer, one_line("TLS-1"))
        refused = faktura(wrong, "send", number)
        assert refused.returncode == 1 and "login refused: 535" in refused.stdout
        assert smtp.mailbox.arrivals == [] and login.logged_in == []

        right = wrong.read_text(encoding="utf-8").replace(f"not-{password}", password)
        wrong.write_text(right, encoding="utf-8")
        done = faktura(wrong, "send", "--pending")
        assert done.returncode == 0, done.stdout + done.stderr
        assert login.logged_in == ["faktura@revisorhuset.dk"]
        assert len(smtp.mailbox.arrivals) == 1
    state = tmp_path / "wrong" / "var"
    written = b"".join(p.read_bytes() for p in state.rglob("*") if p.is_file())
    assert (state / "delivery.sqlite").stat().st_mode & 0o077 == 0  # the outbox is private
    assert password.encode() not in written
    assert password not in refused.stdout + refused.stderr + done.stdout + done.stderr


def test_send_again_from_the_invoice_page_mails_a_copy_and_shows_the_log(
        smtp: SmtpServer, tmp_path: Path) -> None:
    import re

    from test_api import Api, issue as issue_over_http
    from test_api_helpers import sample

    from datetime import UTC, datetime
    from decimal import Decimal

    from delivery.payments import PaymentStatusStore, StatusRecord
    from faktura.payment import PaymentStatus
    from faktura.settings import DeliverySettings

    api = Api(tmp_path, delivery=DeliverySettings(
        host="127.0.0.1", port=smtp.port, security="none",
        from_address="faktura@revisorhuset.dk"))
    with api.client:
        number = issue_over_http(api, sample("04-mixed-vat.json", source_id="PAGE-1")).json()[
            "invoice_number"]
        client = api.client
        form = client.get("/login")
        login_token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert login_token
        client.post("/login", data={"key": api.alpha_key, "login_token": login_token[1]})
        with PaymentStatusStore(api.alpha.state_dir / "delivery.sqlite") as store:
            store.save("alpha", [StatusRecord(number, PaymentStatus.OVERDUE, Decimal("10"),
                                              None, datetime.now(UTC))])
        assert '<span class="tag status-overdue">forfalden</span>' in client.get(
            "/archive").text  # the list shows the status
        page = client.get(f"/archive/{number}")
        assert "forfalden" in page.text and "udestående 10,00 DKK" in page.text
        assert "Ikke sendt endnu." in page.text and "bogholderi@acmebyg.dk" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        sent = client.post(f"/archive/{number}/send", data={"csrf": csrf[1]},
                           follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == \
            f"/archive/{number}?note=sent"
        shown = client.get(sent.headers["location"]).text
        assert "Sendt." in shown and "250 2.0.0 Ok: queued as Q1" in shown
        [arrival] = smtp.mailbox.arrivals
        assert arrival.recipients == ["bogholderi@acmebyg.dk"]
        assert f"{number}.pdf" in arrival.attachments()


def test_without_an_smtp_server_sending_says_so_and_queues_nothing(tmp_path: Path) -> None:
    path = settings_file(tmp_path / "firm", "http://127.0.0.1:9", 2525, delivery='host = ""')
    done = faktura(path, "send", "20260001")
    assert done.returncode == 2 and "delivery.host is not set" in done.stderr
    assert "Traceback" not in done.stderr
    config = load_settings(path)
    with open_outbox(config) as outbox:
        assert outbox.get(config.tenant, "20260001") is None


def test_implicit_tls(emulator: EmulatorHandle, tmp_path: Path, renderer: Renderer) -> None:
    import ssl

    from delivery_support import self_signed

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with SmtpServer(ssl_context=context) as smtp:
        path = settings_file(tmp_path / "firm", emulator.base_url, smtp.port,
                             delivery=f'security = "tls"\nca_file = "{cert}"\ntimeout = 3\n')
        [number] = issue(path, renderer, one_line("TLS-IMPLICIT"))
        done = faktura(path, "send", number)
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(smtp.mailbox.arrivals) == 1

        plain = path.read_text(encoding="utf-8").replace('security = "tls"',
                                                         'security = "starttls"')
        path.write_text(plain, encoding="utf-8")  # a TLS port spoken to in plain text
        again = faktura(path, "send", number, "--again")
        assert again.returncode == 1 and "\tfailed\t" in again.stdout
        assert len(smtp.mailbox.arrivals) == 1
