"""The stdlib protocol clients, connecting to a checked :class:`~.targets.Target`.

Each client keeps the host *name* (TLS server name and certificate check, FTP's AUTH TLS,
HTTP's ``Host``) but opens its TCP connection through :meth:`Target.connect`, i.e. only to
the addresses :func:`~.targets.resolve` has checked. The overridden methods are the
libraries' own socket hooks; the TLS wrapping is the same call the library makes.
"""

from __future__ import annotations

import ftplib
import http.client
import imaplib
import poplib
import smtplib
import ssl

from .targets import Target


class POP3(poplib.POP3):
    def __init__(self, target: Target, *, timeout: float) -> None:
        self._target = target
        super().__init__(target.host, target.port, timeout=timeout)

    def _create_socket(self, timeout):
        return self._target.connect(timeout)


class POP3_SSL(poplib.POP3_SSL):  # noqa: N801 - the stdlib's name
    def __init__(self, target: Target, *, timeout: float, context: ssl.SSLContext) -> None:
        self._target = target
        super().__init__(target.host, target.port, timeout=timeout, context=context)

    def _create_socket(self, timeout):
        sock = self._target.connect(timeout)
        return self.context.wrap_socket(sock, server_hostname=self.host)


class IMAP4(imaplib.IMAP4):
    def __init__(self, target: Target, *, timeout: float) -> None:
        self._target = target
        super().__init__(target.host, target.port, timeout=timeout)

    def _create_socket(self, timeout):
        return self._target.connect(timeout)


class IMAP4_SSL(imaplib.IMAP4_SSL):  # noqa: N801 - the stdlib's name
    def __init__(self, target: Target, *, timeout: float, context: ssl.SSLContext) -> None:
        self._target = target
        super().__init__(target.host, target.port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout):
        sock = self._target.connect(timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class SMTP(smtplib.SMTP):
    """Connect with ``client.connect(target.host, target.port)``: the greeting is read there."""

    def __init__(self, target: Target, *, local_hostname: str, timeout: float) -> None:
        self._target = target
        super().__init__(local_hostname=local_hostname, timeout=timeout)
        # smtplib takes the TLS server name (SNI + hostname check) from _host, which only its
        # constructor sets when it connects itself.
        self._host = target.host

    def _get_socket(self, host, port, timeout):
        return self._target.connect(timeout)


class SMTP_SSL(smtplib.SMTP_SSL):  # noqa: N801 - the stdlib's name
    def __init__(
        self, target: Target, *, local_hostname: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        self._target = target
        super().__init__(local_hostname=local_hostname, timeout=timeout, context=context)
        self._host = target.host

    def _get_socket(self, host, port, timeout):
        sock = self._target.connect(timeout)
        return self.context.wrap_socket(sock, server_hostname=self._host)


class _PinnedFTPConnect:
    """ftplib has no socket hook: ``connect`` is FTP.connect's steps with the checked address."""

    _target: Target

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        self.host, self.port = self._target.host, self._target.port
        if timeout != -999:
            self.timeout = timeout
        self.sock = self._target.connect(self.timeout)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


class FTP(_PinnedFTPConnect, ftplib.FTP):
    def __init__(self, target: Target, *, timeout: float) -> None:
        self._target = target
        super().__init__(timeout=timeout)


class FTP_TLS(_PinnedFTPConnect, ftplib.FTP_TLS):  # noqa: N801 - the stdlib's name
    def __init__(self, target: Target, *, timeout: float, context: ssl.SSLContext) -> None:
        self._target = target
        super().__init__(context=context, timeout=timeout)


def http_connection(
    target: Target, *, timeout: float, context: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    """An HTTP(S) connection whose socket goes to the checked addresses (http.client's
    ``_create_connection`` is its per-instance socket factory)."""
    if context is not None:
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    connection._create_connection = lambda address, timeout, source=None: target.connect(timeout)
    return connection
