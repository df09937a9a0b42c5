"""Delivery: e-mailing issued invoices to customers.

`message` builds the e-mail (a Danish or English template, the archived PDF and, where it goes
by e-mail, the e-invoice XML); `smtp` hands it to an SMTP server and says how far it got;
`outbox` keeps every send and its log so that a crash never sends twice and never loses one.
What to send, to whom and when is decided by `issuing.delivery`.
"""

from delivery.message import Attachment, InvoiceMail, build_message, message_id, render_text
from delivery.outbox import LogLine, Outbox, Send, State
from delivery.smtp import (
    DeliveryError,
    Mailer,
    OutcomeUnknown,
    RecipientRefused,
    SmtpServer,
)

__all__ = [
    "Attachment",
    "DeliveryError",
    "InvoiceMail",
    "LogLine",
    "Mailer",
    "Outbox",
    "OutcomeUnknown",
    "RecipientRefused",
    "Send",
    "SmtpServer",
    "State",
    "build_message",
    "message_id",
    "render_text",
]
