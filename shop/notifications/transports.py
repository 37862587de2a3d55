"""Hand an outbox message to the world: e-mail over SMTP (Flask-Mail), SMS through a gateway.

``Transports`` lives as long as a worker: it keeps one SMTP connection open across a batch
(reopened after an error) and one SMS gateway, and turns every failure into a DeliveryError
that says whether to retry.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.utils import formataddr, parseaddr

import flask_mail
from flask import current_app

from shop.notifications.delivery import PermanentFailure, TemporaryFailure
from shop.notifications.models import Channel, OutboxMessage
from shop.notifications.sms_gateways import SmsGateway, gateway_from_config

log = logging.getLogger("shop.mail")

# Attachments by the kind in OutboxMessage.attachment ("invoice:12"): kind -> loader(key) giving
# (filename, content type, bytes). Domains register theirs (shop.invoicing.notifications).
ATTACHMENTS: dict[str, Callable[[str], tuple[str, str, bytes]]] = {}


class _TimedConnection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout: without one, a mail server that accepts
    the connection and then says nothing would hold the worker forever."""

    def __init__(self, state: flask_mail._Mail, timeout: float) -> None:  # noqa: SLF001
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        if state.use_ssl:
            host: smtplib.SMTP = smtplib.SMTP_SSL(state.server, state.port, timeout=self.timeout)
        else:
            host = smtplib.SMTP(state.server, state.port, timeout=self.timeout)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


def _smtp_failure(error: Exception) -> TemporaryFailure | PermanentFailure:
    """SMTP's own rule: 4xx is "try again later", 5xx is "this will not work"; a server we
    cannot reach or that drops the line is temporary."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        text = "; ".join(
            f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values()
        )
        if codes and all(400 <= code < 500 for code in codes):
            return TemporaryFailure(f"SMTP recipient refused for now: {text}")
        return PermanentFailure(f"SMTP recipient refused: {text}")
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # Wrong credentials: the seller fixes MAIL_USERNAME/PASSWORD; keep trying until then.
        return TemporaryFailure(
            f"SMTP login refused ({error.smtp_code}); check MAIL_USERNAME and MAIL_PASSWORD"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        reply = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else error.smtp_error
        )
        message = f"SMTP {error.smtp_code}: {reply}"
        return PermanentFailure(message) if 500 <= error.smtp_code < 600 else TemporaryFailure(message)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryFailure("SMTP server closed the connection")
    if isinstance(error, (socket.timeout, TimeoutError)):
        return TemporaryFailure("SMTP server did not answer in time")
    if isinstance(error, (OSError, ssl.SSLError, smtplib.SMTPException)):
        return TemporaryFailure(f"SMTP server unreachable: {error}")
    return TemporaryFailure(f"{type(error).__name__}: {error}")


class Transports:
    def __init__(self) -> None:
        self._smtp: _TimedConnection | None = None
        self._sms: SmsGateway | None = None

    # -- e-mail --

    def _connection(self) -> _TimedConnection:
        if self._smtp is None:
            connection = _TimedConnection(
                current_app.extensions["mail"], current_app.config["MAIL_TIMEOUT_SECONDS"]
            )
            connection.__enter__()
            self._smtp = connection
        return self._smtp

    def _drop_connection(self) -> None:
        if self._smtp is not None:
            try:
                if self._smtp.host is not None:
                    self._smtp.host.close()
            except Exception:  # noqa: BLE001, S110  (closing a broken connection may fail too)
                pass
            self._smtp = None

    def send_email(self, message: OutboxMessage) -> str:
        from shop.settings import services as settings

        config = current_app.config
        if config["EMAIL_TRANSPORT"] == "log":
            log.info(
                "e-mail %s (not sent, EMAIL_TRANSPORT=log)\nTo: %s\nSubject: %s\n\n%s\n",
                message.id,
                message.recipient,
                message.subject,
                message.body_text,
            )
            return f"log-{message.id}"
        _, address = parseaddr(config["MAIL_DEFAULT_SENDER"])
        shop_name = settings.current().shop_name
        domain = address.rpartition("@")[2] or "localhost"
        email = flask_mail.Message(
            subject=message.subject,
            recipients=[message.recipient],
            body=message.body_text,
            html=message.body_html or None,
            sender=formataddr((shop_name, address)),
            extra_headers={"Content-Language": message.language},
        )
        # The same Message-ID on every attempt, so a mail system that sees a message twice
        # (a worker killed right after the server took it) can tell.
        email.msgId = f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
        if message.attachment:
            kind, _, key = message.attachment.partition(":")
            email.attach(*ATTACHMENTS[kind](key))
        try:
            self._connection().send(email)
        except Exception as error:  # noqa: BLE001  (every failure becomes retry or give up)
            self._drop_connection()
            raise _smtp_failure(error) from error
        return email.msgId

    # -- SMS --

    def send_sms(self, message: OutboxMessage) -> str:
        if self._sms is None:
            self._sms = gateway_from_config(current_app.config)
        return self._sms.send(message.recipient, message.body_text, key=f"outbox-{message.id}")

    def send(self, message: OutboxMessage) -> str:
        if message.channel == Channel.EMAIL:
            return self.send_email(message)
        return self.send_sms(message)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.__exit__(None, None, None)
            except Exception:  # noqa: BLE001, S110  (the server may be gone already)
                pass
            self._smtp = None
        if self._sms is not None:
            self._sms.close()
            self._sms = None
