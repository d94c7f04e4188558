"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), collecting what it receives.

Use the ``smtp_server`` fixture and point Django at it::

    def test_mail(settings, smtp_server):
        smtp_server.configure(settings)   # SMTP backend, host, port, no TLS
        ...
        assert len(smtp_server.messages) == 1

``smtp_server.refuse("a@example.com")`` makes the server answer ``550 mailbox unavailable``
for that recipient (``accept`` undoes it); ``smtp_server.fail_data = "451 …"`` refuses every
message after DATA. Without aiosmtpd, or if the server does not start, the test is skipped
(failed with ``HOSTKONTOR_REQUIRE_SERVICES=1``).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest

from .services import free_tcp_port, require_service

HOST = "127.0.0.1"
REFUSED_REPLY = "550 mailbox unavailable"


@dataclass
class ReceivedMessage:
    """One message as the server got it: the SMTP envelope and the parsed e-mail."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    message: EmailMessage

    @property
    def attachments(self) -> list[EmailMessage]:
        return list(self.message.iter_attachments())


@dataclass
class CollectingHandler:
    """aiosmtpd handler: stores messages, refuses chosen recipients."""

    messages: list[ReceivedMessage] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    fail_data: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return REFUSED_REPLY
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_data:
            return self.fail_data
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        with self.lock:
            self.messages.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    content=content,
                    message=parsed,
                )
            )
        return "250 Message accepted for delivery"


class SmtpTestServer:
    """A running aiosmtpd ``Controller`` with a :class:`CollectingHandler`."""

    def __init__(self, host: str = HOST, port: int | None = None):
        self.host = host
        self.port = port or free_tcp_port(host)
        self.handler = CollectingHandler()
        self._controller = None

    # -- what the tests look at and change
    @property
    def messages(self) -> list[ReceivedMessage]:
        return self.handler.messages

    @property
    def fail_data(self) -> str:
        return self.handler.fail_data

    @fail_data.setter
    def fail_data(self, reply: str) -> None:
        self.handler.fail_data = reply

    def refuse(self, *addresses: str) -> None:
        """Answer RCPT TO for these addresses with ``550 mailbox unavailable``."""
        self.handler.refused.update(address.lower() for address in addresses)

    def accept(self, *addresses: str) -> None:
        self.handler.refused.difference_update(address.lower() for address in addresses)

    def clear(self) -> None:
        self.handler.messages.clear()

    def configure(self, settings) -> None:
        """Point Django (pytest-django's ``settings`` fixture) at this server."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = self.host
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10

    # -- lifecycle
    def start(self) -> SmtpTestServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(
            self.handler, hostname=self.host, port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 for one test: ``.host``, ``.port``, ``.messages``."""
    try:
        import aiosmtpd.controller  # noqa: F401
    except ImportError as error:
        require_service("smtp", f"aiosmtpd is not installed ({error})")
    server = SmtpTestServer()
    try:
        server.start()
    except Exception as error:  # port taken in the meantime, no loopback …
        with contextlib.suppress(Exception):
            server.stop()
        require_service("smtp", f"aiosmtpd did not start on {server.host}:{server.port}: {error}")
    try:
        yield server
    finally:
        server.stop()
