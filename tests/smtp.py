"""A real SMTP server on loopback (aiosmtpd) that the tests can stop and start again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Inbox:
    """What the server received: one parsed e-mail per delivery (a copy counts twice)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802  (aiosmtpd's hook)
        parsed = message_from_bytes(envelope.content)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(m["Subject"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def smtp_for(app: Flask) -> Iterator[SmtpServer]:
    """Start a server and point the app's Flask-Mail at it (sending on, even under TESTING)."""
    server = SmtpServer(free_port())
    server.start()
    state = app.extensions["mail"]
    saved = (state.server, state.port, state.suppress, app.config["EMAIL_TRANSPORT"])
    state.server, state.port, state.suppress = "127.0.0.1", server.port, False
    app.config["EMAIL_TRANSPORT"] = "smtp"
    try:
        yield server
    finally:
        server.stop()
        state.server, state.port, state.suppress, app.config["EMAIL_TRANSPORT"] = saved


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    with smtp_for(app) as server:
        yield server
