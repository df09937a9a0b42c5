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
    takes before answering a message it has received; `rcpt_delay`: before answering a
    recipient (while nothing is handed over yet)."""

    arrivals: list[Arrival] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    rcpt_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.rcpt_delay:
            time.sleep(self.rcpt_delay)
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
    base = {"host": '"127.0.0.1"', "port": str(smtp_port), "security": '"none"',
            "from_address": '"faktura@revisorhuset.dk"'}
    given = {line.split("=")[0].strip() for line in delivery.splitlines() if "=" in line}
    lines = "".join(f"{k} = {v}\n" for k, v in base.items() if k not in given)
    text += f"\n[delivery]\n{lines}{delivery}\n"
    path = folder / "faktura.toml"
    path.write_text(text, encoding="utf-8")
    return path


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the test's own private CA, so to speak)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Login:
    """An aiosmtpd authenticator accepting one user and password; remembers who logged in."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.logged_in: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        if ok:
            self.logged_in.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)
