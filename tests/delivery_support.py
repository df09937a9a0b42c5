"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, and settings that
e-mail through it."""

from __future__ import annotations

import email
import email.policy
import shutil
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from people_support import free_port

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@dataclass
class Arrival:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def attachments(self) -> dict[str, bytes]:
        return {part.get_filename(): part.get_payload(decode=True)
                for part in self.message.iter_attachments()}


@dataclass
class Mailbox:
    """What the server accepted; `refuse`: recipients it answers 550; `delay`: seconds it
    takes before answering a message it has received."""

    arrivals: list[Arrival] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.arrivals.append(Arrival(envelope.mail_from, list(envelope.rcpt_tos),
                                         envelope.original_content))
            count = len(self.arrivals)
        if self.delay:
            time.sleep(self.delay)  # the server's thread: as a slow server answers
        return f"250 2.0.0 Ok: queued as Q{count}"

    def by_message_id(self) -> dict[str, list[Arrival]]:
        out: dict[str, list[Arrival]] = {}
        for arrival in list(self.arrivals):
            out.setdefault(arrival.message["Message-ID"], []).append(arrival)
        return out


class SmtpServer:
    def __init__(self, **controller: Any) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=free_port(),
                                     **controller)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)


def settings_file(folder: Path, gateway_url: str, smtp_port: int, *, delivery: str = "",
                  einvoice_when: str = "ean") -> Path:
    """The samples' settings in `folder`, posting to `gateway_url`, e-mailing through the
    loopback server (plain: it is on this machine), with more `[delivery]` lines."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / "logo.png", folder / "logo.png")
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('state_dir = "../var"', 'state_dir = "var"')
    text = text.replace('archive_dir = "../var/archive"', 'archive_dir = "var/archive"')
    text = text.replace('when = "ean"', f'when = "{einvoice_when}"')
    text = text.replace("[uniconta]\n", f'[uniconta]\ngateway_url = "{gateway_url}"\n')
    text += (f'\n[delivery]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
             f'from_address = "faktura@revisorhuset.dk"\n{delivery}\n')
    path = folder / "faktura.toml"
    path.write_text(text, encoding="utf-8")
    return path
