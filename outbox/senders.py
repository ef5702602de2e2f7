"""How a message leaves the site. One interface; e-mail is the first sender, an SMS or WeChat sender is another
class with the same `send` registered in SENDERS (and a channel on Delivery)."""
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMessage

# Errors of the way, not of the message: worth trying again later.
TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError, ConnectionError,
             socket.timeout, OSError)
# The message or the address refused: trying again changes nothing.
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class Sender:
    channel = ""

    def address_of(self, user) -> str:
        """Where `user` receives this channel; empty: they cannot."""
        raise NotImplementedError

    def send(self, *, to: str, subject: str, body: str) -> None:
        """Send or raise (TRANSIENT errors are retried)."""
        raise NotImplementedError


class EmailSender(Sender):
    channel = "email"

    def address_of(self, user) -> str:
        return (user.email or "").strip()

    def send(self, *, to, subject, body):
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()


SENDERS = {"email": EmailSender()}
