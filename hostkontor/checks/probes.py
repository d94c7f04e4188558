"""Function checks ("does the customer's mailbox/FTP/database/site work?").

Pure module (stdlib + pymysql, no Django). :func:`run_check` logs in the way a
customer's client would and reports a :class:`CheckResult` with one of the
:data:`CATEGORIES` on failure. :func:`run_checks` runs many checks in a thread
pool, at most ``per_host`` at a time against one address.

Targets
    Before anything is sent, the host is resolved and every address checked
    (:mod:`.targets`): an internal address (loopback, private, link-local …) not in
    ``CheckSpec.allowed_networks`` fails as ``blocked_target`` without any connection,
    and the probe connects only to the checked addresses (:mod:`.clients`).

Timeouts
    ``CheckSpec.timeout`` is the budget of the whole check. Every socket gets it
    for the connect and for each read, and before every protocol step the
    socket timeout is lowered to what is left of the budget, so a check takes
    at most about ``timeout`` plus one read (a server that trickles single bytes
    can stretch one step; DNS look-ups use the system resolver's own timeout).

Secrets
    The password is never put into a message or into ``details``: every text
    that leaves this module is scrubbed of the password and of the encoded forms
    that AUTH PLAIN, AUTH LOGIN and HTTP Basic put on the wire. No exception
    object (or traceback) is kept in a result.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import ftplib
import poplib
import re
import smtplib
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import pymysql

from hostkontor.vault.crypto import Secret, reveal

from . import clients
from .targets import BLOCKED_TARGET, HostLimiter, Target, TargetBlocked, parse_networks, resolve

__all__ = [
    "AUTH_FAILED",
    "BLOCKED_TARGET",
    "CATEGORIES",
    "CONNECTION_REFUSED",
    "DEFAULT_PORTS",
    "DNS_ERROR",
    "KINDS",
    "PROTOCOL_ERROR",
    "TIMEOUT",
    "TLS_ERROR",
    "TLS_MODES",
    "CheckResult",
    "CheckSpec",
    "run_check",
    "iter_checks",
    "run_checks",
]

AUTH_FAILED = "auth_failed"
CONNECTION_REFUSED = "connection_refused"
TIMEOUT = "timeout"
TLS_ERROR = "tls_error"
DNS_ERROR = "dns_error"
PROTOCOL_ERROR = "protocol_error"
CATEGORIES = (
    AUTH_FAILED,
    CONNECTION_REFUSED,
    TIMEOUT,
    TLS_ERROR,
    DNS_ERROR,
    PROTOCOL_ERROR,
    BLOCKED_TARGET,
)
DEFAULT_PER_HOST = 4

KINDS = ("pop3", "imap", "smtp", "ftp", "mysql", "http")
TLS_MODES = ("none", "starttls", "implicit")

# (kind, tls) -> default port. Missing combinations are not supported.
DEFAULT_PORTS: dict[tuple[str, str], int] = {
    ("pop3", "none"): 110,
    ("pop3", "starttls"): 110,
    ("pop3", "implicit"): 995,
    ("imap", "none"): 143,
    ("imap", "starttls"): 143,
    ("imap", "implicit"): 993,
    ("smtp", "none"): 587,
    ("smtp", "starttls"): 587,
    ("smtp", "implicit"): 465,
    ("ftp", "none"): 21,
    ("ftp", "starttls"): 21,  # explicit FTPS (AUTH TLS)
    ("mysql", "none"): 3306,
    ("mysql", "implicit"): 3306,  # TLS negotiated in the MySQL handshake
    ("http", "none"): 80,
    ("http", "implicit"): 443,
}

MAX_DETAIL_TEXT = 300
MAX_MESSAGE_TEXT = 600
HTTP_BODY_LIMIT = 64 * 1024
MYSQL_AUTH_ERRORS = {1044, 1045, 1698, 1251, 1275}  # access denied, plugin/auth issues


@dataclass(frozen=True)
class CheckSpec:
    """What to check. ``password`` may be a str or a Secret-like object (``.reveal()``);
    a str is wrapped in :class:`~hostkontor.vault.crypto.Secret` so the spec's
    ``repr`` and attribute never show it. ``allowed_networks``: internal networks
    this check may connect to anyway (CIDR strings or networks; default none)."""

    kind: str
    host: str
    port: int | None = None
    tls: str = "none"
    username: str | None = None
    password: Any = field(default=None, repr=False, compare=False)
    database: str | None = None
    path: str = "/"
    expected_status: int = 200
    timeout: float = 10.0
    verify_tls: bool = True
    ca_file: str | None = None
    min_cert_days: int | None = None
    allowed_networks: tuple = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if self.tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {', '.join(TLS_MODES)}")
        if (self.kind, self.tls) not in DEFAULT_PORTS:
            raise ValueError(f"tls={self.tls!r} is not supported for {self.kind}")
        if not isinstance(self.host, str) or not self.host.strip():
            raise ValueError("host must be a non-empty str")
        port = DEFAULT_PORTS[(self.kind, self.tls)] if self.port is None else self.port
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError("port must be an int between 1 and 65535")
        object.__setattr__(self, "port", port)
        if not self.timeout or self.timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        if self.password is not None:
            object.__setattr__(self, "password", Secret(reveal(self.password)))
        if self.kind == "mysql" and not self.username:
            raise ValueError("a mysql check needs a username")
        if self.kind == "http" and not self.path.startswith("/"):
            raise ValueError("http path must start with '/'")
        if self.min_cert_days is not None and self.tls == "none":
            raise ValueError("min_cert_days needs a TLS connection")
        object.__setattr__(self, "allowed_networks", parse_networks(self.allowed_networks))

    @property
    def uses_tls(self) -> bool:
        return self.tls != "none"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    category: str | None
    message: str
    latency_ms: int
    details: dict = field(default_factory=dict)


# --------------------------------------------------------------------------
# internals
# --------------------------------------------------------------------------


class _Failure(Exception):
    """A check failure with a known category (raised by the probes)."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(message)
        self.category = category


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("check timeout exhausted")
        return remaining

    def arm(self, sock: socket.socket | None) -> None:
        """Before the next protocol step: fail if the budget is spent, else
        give the socket only what is left."""
        remaining = self.left()
        if sock is not None:
            sock.settimeout(remaining)


class _Scrubber:
    """Removes the password (and the encodings it travels in) from text."""

    def __init__(self, username: str | None, password: str | None) -> None:
        needles: set[str] = set()
        if password:
            user = username or ""
            raw = [
                password,
                f"\0{user}\0{password}",  # AUTH PLAIN
                f"{user}\0{user}\0{password}",
                f"{user}:{password}",  # HTTP Basic
            ]
            for value in raw:
                encoded = value.encode("utf-8")
                b64 = base64.b64encode(encoded).decode("ascii")
                needles.update({b64, b64.rstrip("=")})
            needles.add(password)
            needles.add(repr(password)[1:-1])
            needles.add(repr(password.encode("utf-8"))[2:-1])
            needles.add(urllib.parse.quote(password, safe=""))
            needles.add(urllib.parse.quote_plus(password))
        # Longest first so an encoded form is removed before its substrings.
        self._needles = sorted((n for n in needles if n), key=len, reverse=True)

    def text(self, value: str) -> str:
        for needle in self._needles:
            if needle in value:
                value = value.replace(needle, "********")
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "replace"))
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self.data(v) for v in value]
        return value


# b'...' / b"..." as a standalone token only: the b must not end a word, or a quoted
# name ending in b ('checkdb'@'localhost') would lose its b and its quotes.
_BYTES_REPR = re.compile(r"""(?<![\w'"])b(['"])(.*?)\1""")


def _short(value: Any) -> str:
    """One line of text; bytes (and their ``b'...'`` reprs inside library
    messages) become plain text. Not truncated here: truncation happens after
    scrubbing, so a cut can't leave half a password behind."""
    if isinstance(value, BaseException):
        args = value.args
        if args and all(isinstance(a, str | bytes) for a in args):
            value = " ".join(_short(a) for a in args)
        else:
            value = str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _BYTES_REPR.sub(lambda m: m.group(2), " ".join(str(value).split()))


def _truncate(value: Any, limit: int = MAX_DETAIL_TEXT) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 3] + "..."
    if isinstance(value, dict):
        return {k: _truncate(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_truncate(v, limit) for v in value]
    return value


def _ssl_context(spec: CheckSpec) -> ssl.SSLContext:
    if spec.verify_tls:
        context = ssl.create_default_context(cafile=spec.ca_file)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _load_ssl_context(spec: CheckSpec) -> ssl.SSLContext:
    try:
        return _ssl_context(spec)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or "unreadable"
        raise _Failure(TLS_ERROR, f"cannot load CA file {spec.ca_file!r}: {reason}") from None


def _cert_not_after(sock: ssl.SSLSocket) -> dt.datetime | None:
    der = sock.getpeercert(binary_form=True)
    if not der:
        return None
    try:
        from cryptography import x509

        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except Exception:  # pragma: no cover - cryptography is a hard dependency
        decoded = sock.getpeercert()
        if decoded and decoded.get("notAfter"):
            stamp = ssl.cert_time_to_seconds(decoded["notAfter"])
            return dt.datetime.fromtimestamp(stamp, dt.UTC)
        return None


def _record_tls(spec: CheckSpec, sock: Any, details: dict) -> None:
    """Put TLS facts into details; enforce ``min_cert_days``."""
    if not isinstance(sock, ssl.SSLSocket):
        if spec.uses_tls:
            raise _Failure(TLS_ERROR, "connection is not encrypted although TLS was required")
        return
    details["tls_version"] = sock.version()
    not_after = _cert_not_after(sock)
    if not_after is None:
        return
    seconds = (not_after - dt.datetime.now(dt.UTC)).total_seconds()
    days_left = int(seconds // 86400)
    details["cert_not_after"] = not_after.isoformat()
    details["cert_days_left"] = days_left
    if spec.min_cert_days is not None and days_left < spec.min_cert_days:
        raise _Failure(
            TLS_ERROR,
            f"certificate expires in {days_left} days (minimum {spec.min_cert_days})",
        )


def _exception_chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        original = getattr(current, "original_exception", None)  # pymysql
        if isinstance(original, BaseException):
            yield original
        current = current.__cause__ or current.__context__


def _network_category(exc: BaseException) -> tuple[str, str] | None:
    """Category for low-level network failures anywhere in the exception chain."""
    for item in _exception_chain(exc):
        if isinstance(item, socket.gaierror):
            return DNS_ERROR, f"host name could not be resolved ({item.strerror or item})"
        if isinstance(item, UnicodeError) and "'idna' codec" in str(item):
            # socket.getaddrinfo encodes the name first: an empty or over-long label
            return DNS_ERROR, "host name is not a valid DNS name (empty or too long label)"
        if isinstance(item, ssl.SSLCertVerificationError):
            return TLS_ERROR, f"certificate verification failed: {item.verify_message or item}"
        if isinstance(item, TimeoutError):
            return TIMEOUT, "no answer within the timeout"
        if isinstance(item, ConnectionRefusedError):
            return CONNECTION_REFUSED, "connection refused"
        if isinstance(item, ssl.SSLError):
            return TLS_ERROR, f"TLS error: {item.reason or item}"
    for item in _exception_chain(exc):
        if isinstance(item, OSError) and item.errno in _UNREACHABLE_ERRNOS:
            return CONNECTION_REFUSED, f"host not reachable ({item.strerror})"
    return None


_UNREACHABLE_ERRNOS = {
    getattr(errno, name)
    for name in ("EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ENETDOWN", "EHOSTDOWN")
    if hasattr(errno, name)
}


# Response codes meaning "the server is broken", not "the credentials are wrong"
# (POP3 RFC 3206, IMAP RFC 5530).
_SERVER_SIDE_LOGIN_FAILURE = re.compile(r"\[(SYS/|UNAVAILABLE|SERVERBUG|IN-?USE|LIMIT)", re.I)


def _classify(exc: BaseException, phase: str, kind: str) -> tuple[str, str]:
    if isinstance(exc, _Failure):
        return exc.category, str(exc)
    network = _network_category(exc)
    if network is not None:
        return network
    label = kind.upper()
    if isinstance(exc, pymysql.err.MySQLError):
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        text = _short(exc.args[1] if len(exc.args) > 1 else exc)
        if code is None:
            text = _short(exc)
        else:
            text = f"({code}) {text}"
        if code in MYSQL_AUTH_ERRORS:
            return AUTH_FAILED, f"MySQL login rejected: {text}"
        if code == 2026 or (phase == "tls"):
            return TLS_ERROR, f"MySQL TLS failed: {text}"
        return PROTOCOL_ERROR, f"MySQL error during {phase}: {text}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return AUTH_FAILED, f"SMTP login rejected: {exc.smtp_code} {_short(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = f"{exc.smtp_code} {_short(exc.smtp_error)}"
    else:
        detail = _short(exc) or type(exc).__name__
    if phase == "login" and not isinstance(exc, EOFError | ConnectionError):
        if _SERVER_SIDE_LOGIN_FAILURE.search(detail):
            return PROTOCOL_ERROR, f"{label} server failed during login: {detail}"
        return AUTH_FAILED, f"{label} login rejected: {detail}"
    if phase == "tls":
        return TLS_ERROR, f"{label} TLS negotiation failed: {detail}"
    if isinstance(exc, EOFError | ConnectionError | smtplib.SMTPServerDisconnected):
        return PROTOCOL_ERROR, f"{label} server closed the connection during {phase}: {detail}"
    return PROTOCOL_ERROR, f"unexpected {label} answer during {phase}: {detail}"


# --------------------------------------------------------------------------
# probes: each returns nothing and fills details; `state["phase"]` tracks the
# step for error classification.
# --------------------------------------------------------------------------


def _probe_pop3(
    spec: CheckSpec, target: Target, ctx: ssl.SSLContext | None, budget: _Budget, state: dict
):
    details = state["details"]
    state["phase"] = "connect"
    if spec.tls == "implicit":
        client = clients.POP3_SSL(target, timeout=budget.left(), context=ctx)
    else:
        client = clients.POP3(target, timeout=budget.left())
    try:
        details["banner"] = _short(client.getwelcome())
        if spec.tls == "starttls":
            state["phase"] = "tls"
            budget.arm(client.sock)
            try:
                capabilities = client.capa()
            except poplib.error_proto:
                capabilities = {}
            if "STLS" not in capabilities:
                raise _Failure(TLS_ERROR, "POP3 server does not offer STLS")
            client.stls(context=ctx)
        _record_tls(spec, client.sock, details)
        if spec.username:
            state["phase"] = "login"
            budget.arm(client.sock)
            client.user(spec.username)
            client.pass_(reveal(spec.password) if spec.password is not None else "")
            state["phase"] = "command"
            budget.arm(client.sock)
            details["messages"] = client.stat()[0]
        state["phase"] = "quit"
        budget.arm(client.sock)
        client.quit()
    finally:
        client.close()


def _probe_imap(
    spec: CheckSpec, target: Target, ctx: ssl.SSLContext | None, budget: _Budget, state: dict
):
    details = state["details"]
    state["phase"] = "connect"
    if spec.tls == "implicit":
        client = clients.IMAP4_SSL(target, timeout=budget.left(), context=ctx)
    else:
        client = clients.IMAP4(target, timeout=budget.left())
    try:
        details["banner"] = _short(client.welcome)
        if spec.tls == "starttls":
            state["phase"] = "tls"
            budget.arm(client.sock)
            if "STARTTLS" not in client.capabilities:
                raise _Failure(TLS_ERROR, "IMAP server does not offer STARTTLS")
            client.starttls(ssl_context=ctx)
        _record_tls(spec, client.sock, details)
        if spec.username:
            state["phase"] = "login"
            budget.arm(client.sock)
            client.login(spec.username, reveal(spec.password) if spec.password else "")
            state["phase"] = "command"
            budget.arm(client.sock)
            status, data = client.select("INBOX", readonly=True)
            if status != "OK":
                raise _Failure(PROTOCOL_ERROR, f"IMAP SELECT INBOX failed: {_short(data)}")
            details["messages"] = int(data[0]) if data and data[0] else 0
        state["phase"] = "quit"
        budget.arm(client.sock)
        client.logout()
    finally:
        try:
            client.shutdown()
        except OSError:
            pass


def _probe_smtp(
    spec: CheckSpec, target: Target, ctx: ssl.SSLContext | None, budget: _Budget, state: dict
):
    details = state["details"]
    state["phase"] = "connect"
    local = socket.gethostname() or "localhost"  # getfqdn() could block on DNS
    if spec.tls == "implicit":
        client = clients.SMTP_SSL(target, local_hostname=local, timeout=budget.left(), context=ctx)
    else:
        client = clients.SMTP(target, local_hostname=local, timeout=budget.left())
    try:
        code, reply = client.connect(spec.host, spec.port)
        details["banner"] = _short(f"{code} {_short(reply)}")
        if code != 220:
            raise _Failure(PROTOCOL_ERROR, f"SMTP greeting is not 220: {code} {_short(reply)}")
        state["phase"] = "greeting"
        budget.arm(client.sock)
        code, reply = client.ehlo()
        if code != 250:
            raise _Failure(PROTOCOL_ERROR, f"SMTP EHLO rejected: {code} {_short(reply)}")
        if spec.tls == "starttls":
            state["phase"] = "tls"
            budget.arm(client.sock)
            if not client.has_extn("starttls"):
                raise _Failure(TLS_ERROR, "SMTP server does not offer STARTTLS")
            client.starttls(context=ctx)
            budget.arm(client.sock)
            client.ehlo()
        _record_tls(spec, client.sock, details)
        if spec.username:
            state["phase"] = "login"
            budget.arm(client.sock)
            if not client.has_extn("auth"):
                raise _Failure(
                    AUTH_FAILED,
                    "SMTP server offers no AUTH on this connection"
                    + ("" if spec.uses_tls else " (it may require STARTTLS first)"),
                )
            client.login(spec.username, reveal(spec.password) if spec.password else "")
        state["phase"] = "command"
        budget.arm(client.sock)
        code, reply = client.noop()
        if code != 250:
            raise _Failure(PROTOCOL_ERROR, f"SMTP NOOP rejected: {code} {_short(reply)}")
        state["phase"] = "quit"
        budget.arm(client.sock)
        client.quit()
    finally:
        client.close()


def _probe_ftp(
    spec: CheckSpec, target: Target, ctx: ssl.SSLContext | None, budget: _Budget, state: dict
):
    details = state["details"]
    state["phase"] = "connect"
    if spec.tls == "starttls":
        client: ftplib.FTP = clients.FTP_TLS(target, context=ctx, timeout=budget.left())
    else:
        client = clients.FTP(target, timeout=budget.left())
    try:
        details["banner"] = _short(client.connect(spec.host, spec.port, timeout=budget.left()))
        if spec.tls == "starttls":
            state["phase"] = "tls"
            budget.arm(client.sock)
            assert isinstance(client, ftplib.FTP_TLS)
            client.auth()
        _record_tls(spec, client.sock, details)
        state["phase"] = "login"
        budget.arm(client.sock)
        user = spec.username or "anonymous"
        password = reveal(spec.password) if spec.password else ""
        client.login(user, password)
        state["phase"] = "command"
        if isinstance(client, ftplib.FTP_TLS):
            budget.arm(client.sock)
            client.prot_p()
        budget.arm(client.sock)
        details["cwd"] = _short(client.pwd())
        state["phase"] = "quit"
        budget.arm(client.sock)
        client.quit()
    finally:
        client.close()


def _probe_mysql(
    spec: CheckSpec, target: Target, ctx: ssl.SSLContext | None, budget: _Budget, state: dict
):
    details = state["details"]
    state["phase"] = "connect"
    seconds = budget.left()
    kwargs: dict[str, Any] = {
        "host": spec.host,
        "port": spec.port,
        "user": spec.username,
        "password": reveal(spec.password) if spec.password else "",
        "connect_timeout": seconds,
        "read_timeout": seconds,
        "write_timeout": seconds,
        "charset": "utf8mb4",
        "autocommit": True,
    }
    if spec.database:
        kwargs["database"] = spec.database
    if ctx is not None:
        kwargs["ssl"] = ctx  # pymysql: TLS required; refuses a server without TLS
    else:
        kwargs["ssl_disabled"] = True
    # host stays the name (TLS server name); the socket goes to the checked address
    connection = pymysql.connect(**kwargs, defer_connect=True)
    connection.connect(sock=target.connect(seconds))
    try:
        _record_tls(spec, connection._sock, details)
        details["server_version"] = _short(connection.get_server_info())
        state["phase"] = "command"
        budget.arm(connection._sock)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
        if row != (1,):
            raise _Failure(PROTOCOL_ERROR, "MySQL SELECT 1 returned an unexpected row")
    finally:
        connection.close()


def _probe_http(
    spec: CheckSpec, target: Target, ctx: ssl.SSLContext | None, budget: _Budget, state: dict
):
    details = state["details"]
    state["phase"] = "connect"
    connection = clients.http_connection(
        target, timeout=budget.left(), context=ctx if spec.tls == "implicit" else None
    )
    try:
        connection.connect()
        _record_tls(spec, connection.sock, details)
        headers = {"User-Agent": "Hostkontor-Check/1", "Accept": "*/*", "Connection": "close"}
        if spec.username:
            token = f"{spec.username}:{reveal(spec.password) if spec.password else ''}"
            headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
        state["phase"] = "command"
        budget.arm(connection.sock)
        connection.request("GET", spec.path, headers=headers)
        response = connection.getresponse()
        details["status"] = response.status
        details["reason"] = _short(response.reason)
        budget.arm(connection.sock)
        response.read(HTTP_BODY_LIMIT)
        if response.status != spec.expected_status:
            category = AUTH_FAILED if response.status in (401, 407) else PROTOCOL_ERROR
            raise _Failure(
                category,
                f"HTTP status {response.status} {_short(response.reason)}, "
                f"expected {spec.expected_status}",
            )
    finally:
        connection.close()


_PROBES = {
    "pop3": _probe_pop3,
    "imap": _probe_imap,
    "smtp": _probe_smtp,
    "ftp": _probe_ftp,
    "mysql": _probe_mysql,
    "http": _probe_http,
}


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def _resolve(spec: CheckSpec) -> Target:
    try:
        return resolve(spec.host, spec.port, spec.allowed_networks)
    except TargetBlocked as blocked:
        raise _Failure(BLOCKED_TARGET, str(blocked)) from None


def run_check(spec: CheckSpec, *, limiter: HostLimiter | None = None) -> CheckResult:
    """Run one check; never raises for network or server problems.

    With a ``limiter`` the check waits for a free slot of its address after resolving it;
    the timeout budget and the latency start when it has one."""
    scrubber = _Scrubber(spec.username, reveal(spec.password) if spec.password else None)
    details: dict[str, Any] = {
        "kind": spec.kind,
        "host": spec.host,
        "port": spec.port,
        "tls": spec.tls,
    }
    state: dict[str, Any] = {"phase": "connect", "details": details}
    where = f"{spec.kind.upper()} {spec.host}:{spec.port}"
    started = time.monotonic()
    waited = 0.0
    category: str | None = None
    try:
        ctx = _load_ssl_context(spec) if spec.uses_tls else None
        target = _resolve(spec)
        details["address"] = target.key
        slot = limiter.slot(target.key) if limiter else nullcontext()
        queued = time.monotonic()
        with slot:
            waited = time.monotonic() - queued
            _PROBES[spec.kind](spec, target, ctx, _Budget(spec.timeout), state)
        message = f"{where} OK" + (f" (logged in as {spec.username!r})" if spec.username else "")
    except Exception as exc:  # noqa: BLE001 - everything becomes a result
        category, text = _classify(exc, state["phase"], spec.kind)
        message = f"{where}: {category}: {text}"
        details["phase"] = state["phase"]
    latency_ms = int(round((time.monotonic() - started - waited) * 1000))
    return CheckResult(
        ok=category is None,
        category=category,
        message=_truncate(scrubber.text(message), MAX_MESSAGE_TEXT),
        latency_ms=max(0, latency_ms),
        details=_truncate(scrubber.data(details)),
    )


def iter_checks(
    specs: Sequence[CheckSpec],
    max_workers: int | None = None,
    per_host: int = DEFAULT_PER_HOST,
) -> Iterator[tuple[int, CheckResult]]:
    """Run checks concurrently and yield ``(index in specs, result)`` as each finishes.

    By default every check gets its own thread (up to 256), so a batch against many
    black-holed hosts takes about one timeout, not one timeout per check; but at most
    ``per_host`` checks talk to one address at a time (the others wait for a slot, their
    timeout starts when they get it), so one server never sees a flood of logins.
    """
    specs = list(specs)
    if not specs:
        return
    workers = max_workers if max_workers is not None else min(len(specs), 256)
    if workers < 1:
        raise ValueError("max_workers must be >= 1")
    limiter = HostLimiter(per_host)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hk-check") as pool:
        futures = {pool.submit(run_check, spec, limiter=limiter): i for i, spec in enumerate(specs)}
        for future in as_completed(futures):
            yield futures[future], future.result()


def run_checks(
    specs: Sequence[CheckSpec],
    max_workers: int | None = None,
    per_host: int = DEFAULT_PER_HOST,
) -> list[CheckResult]:
    """Run checks concurrently (see :func:`iter_checks`); results in the order of ``specs``."""
    results: dict[int, CheckResult] = dict(iter_checks(specs, max_workers, per_host))
    return [results[i] for i in range(len(results))]
