"""The e-mail that carries one issued invoice: its text from a Danish or English template,
the archived PDF and, where it goes by e-mail, the e-invoice XML as attachments.

The Message-ID is made from the tenant and the invoice number (and the round, for a copy sent
again on purpose), so every attempt at the same send carries the same Message-ID: a receiver
that saw one attempt recognises another as the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from functools import cache
from pathlib import Path
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

Language = Literal["da", "en"]
_LOCALES = {"da": "da_DK", "en": "en_GB"}
_PACKAGE = Path(__file__).resolve().parent


def _templates_dir() -> Path:
    installed = _PACKAGE / "templates"  # wheel: force-included into the package
    return installed if installed.is_dir() else _PACKAGE.parent / "templates" / "mail"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str  # "application/pdf", "application/xml"


@dataclass(frozen=True)
class InvoiceMail:
    """What the message says about the invoice (all of it as archived)."""

    language: Language
    invoice_number: str
    credit_note: bool
    issue_date: date
    customer_name: str
    total: Decimal
    currency: str
    fik_line: str | None
    seller_name: str
    seller_email: str | None = None
    seller_phone: str | None = None
    xml_attached: bool = False


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_templates_dir()), undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=True)


def message_id(tenant: str, invoice_number: str, round_: int, domain: str) -> str:
    """`<invoice-NUMBER.TENANT@DOMAIN>`; a later round (a copy sent on purpose) adds `.rN`."""
    suffix = "" if round_ == 1 else f".r{round_}"
    return f"<invoice-{invoice_number}.{tenant}{suffix}@{domain}>"


def render_text(mail: InvoiceMail) -> tuple[str, str]:
    """The subject and the body text, in the mail's language."""
    locale = _LOCALES[mail.language]
    values = {
        "mail": mail,
        "amount": format_decimal(mail.total, format="#,##0.00", locale=locale),
        "issue_date": format_date(mail.issue_date, format="long", locale=locale),
    }
    env = _environment()
    subject = env.get_template(f"subject.{mail.language}.j2").render(values)
    body = env.get_template(f"body.{mail.language}.j2").render(values)
    return " ".join(subject.split()), body


def build_message(mail: InvoiceMail, *, sender: str, recipient: str, message_id: str,
                  attachments: list[Attachment], reply_to: str | None = None) -> EmailMessage:
    """The complete message, attachments carried byte for byte (base64)."""
    subject, body = render_text(mail)
    message = EmailMessage()
    message["From"] = formataddr((mail.seller_name, sender))
    message["To"] = recipient
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Content-Language"] = mail.language
    message.set_content(body)
    for attachment in attachments:
        maintype, subtype = attachment.mime_type.split("/", 1)
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message
