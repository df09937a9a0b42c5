"""Hand one message to an SMTP server, and know how far it got.

STARTTLS (port 587), implicit TLS (port 465) or plain (a relay on the same machine), with a
login when the settings give one; the password is used for the login and nowhere else. The
DATA phase is written in two parts: the message, then its closing line. Until the closing
line is written the server must discard the message if the connection drops (RFC 5321 §4.1.1.4),
so `before_commit` runs just before it, letting the caller record the point after which the
outcome may be unknown. Errors say what failed with the server's own answer, never a secret.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Literal

from faktura.errors import FakturaError

Security = Literal["starttls", "tls", "none"]


class DeliveryError(FakturaError):
    """The message was not delivered; `reason` says why (the server's answer where it gave
    one). `permanent`: the server refused it for good (5xx), so it fails again unchanged."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        self.reason = reason
        self.permanent = permanent
        super().__init__(reason)


class RecipientRefused(DeliveryError):
    """The server refused the recipient's address."""


class OutcomeUnknown(DeliveryError):
    """The connection failed after the message's closing line was written: the server may
    have accepted it. Sending it again could deliver it twice."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to reach the SMTP server (built from `[delivery]`)."""

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 60
    ca_file: Path | None = None  # a private CA to trust (else the system's)

    def __repr__(self) -> str:  # the password never reaches a log
        return (f"SmtpServer(host={self.host!r}, port={self.port}, security={self.security!r},"
                f" username={self.username!r})")


def _answer(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}".strip()


def _dot_stuffed(data: bytes) -> bytes:
    """The message as the DATA phase carries it: CRLF lines, a leading '.' doubled, ending
    with CRLF (the closing '.' line is written separately)."""
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class Mailer:
    """Sends messages through one SMTP server, one connection per message."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def _context(self) -> ssl.SSLContext:
        cafile = str(self.server.ca_file) if self.server.ca_file else None
        return ssl.create_default_context(cafile=cafile)

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.security == "tls":
            return smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                    context=self._context())
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        if server.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise DeliveryError(f"{server.host} does not offer STARTTLS; set security"
                                    " = \"tls\" for implicit TLS, or use another server")
            smtp.starttls(context=self._context())
        return smtp

    def send(self, message: EmailMessage, *, sender: str, recipients: list[str],
             before_commit: Callable[[], None] = lambda: None) -> str:
        """Deliver `message`; the server's answer to it (e.g. '250 2.0.0 Ok: queued as …').

        Raises `RecipientRefused`, `DeliveryError` (nothing delivered) or `OutcomeUnknown`
        (the connection failed after `before_commit` ran)."""
        body = _dot_stuffed(message.as_bytes(policy=SMTP_POLICY))
        committed = False
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"cannot reach {self.server.host}:{self.server.port}:"
                                f" {_reason(error)}") from None
        try:
            smtp.ehlo()
            if self.server.username:
                smtp.login(self.server.username, self.server.password or "")
            code, reply = smtp.mail(sender)
            if code != 250:
                raise DeliveryError(f"sender refused: {_answer(code, reply)}",
                                    permanent=code >= 500)
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise RecipientRefused(f"recipient {recipient} refused:"
                                           f" {_answer(code, reply)}", permanent=code >= 500)
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise DeliveryError(f"DATA refused: {_answer(code, reply)}",
                                    permanent=code >= 500)
            smtp.send(body)
            before_commit()
            committed = True
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
            if code != 250:
                raise DeliveryError(f"message refused: {_answer(code, reply)}",
                                    permanent=code >= 500)
            return _answer(code, reply)
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"login refused: {_answer(error.smtp_code, error.smtp_error)}",
                                permanent=True) from None
        except (OSError, smtplib.SMTPException) as error:
            if committed:
                raise OutcomeUnknown(f"the connection failed after the message was handed over"
                                     f" ({_reason(error)}); the server may have it") from None
            raise DeliveryError(f"{self.server.host}: {_reason(error)}") from None
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer(error.smtp_code, error.smtp_error)
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    return str(error) or type(error).__name__
