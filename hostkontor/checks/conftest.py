"""Real servers on loopback for the function-check tests.

Every server is started once per session on a free ephemeral port (127.0.0.1)
and torn down afterwards. Missing software skips the dependent tests, or fails
them with ``HOSTKONTOR_REQUIRE_SERVICES=1`` (see hostkontor.testing.services).

* FTP / explicit FTPS: pyftpdlib (``TLS_FTPHandler`` needs PyOpenSSL)
* POP3(+STLS), POP3S, IMAP(+STARTTLS), IMAPS: Debian's dovecot
  (``apt-get install -y dovecot-pop3d dovecot-imapd``), private config in a
  temp dir, run in the foreground as the current user
* SMTP submission with AUTH (plain, STARTTLS, implicit TLS): aiosmtpd
* HTTP / HTTPS: stdlib ``http.server`` in a thread
* MySQL: the MariaDB server at 127.0.0.1:3306 (root, empty password; override
  with HOSTKONTOR_TEST_MYSQL_HOST/PORT/USER/PASSWORD); the tests create and
  drop their own users and database
* a "silent" server that accepts TCP connections but never says a word

Checks refuse loopback and private targets unless they are allowed
(``HOSTKONTOR_CHECKS_ALLOWED_NETWORKS``); every test here allows :data:`LOOPBACK`, as an
installation with its own servers on the machine would, so the checks stay real.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import ipaddress
import logging
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hostkontor.testing.services import free_tcp_port, require_service, wait_for_port

HOST = "127.0.0.1"
USER = "hkcheck"
PASSWORD = "S3cr3t+Pw/=!x7-Kontor"
WRONG_PASSWORD = "Wr0ng+Pw/=!y8-Kontor"
CERT_DAYS = 30
LOOPBACK = ("127.0.0.0/8", "::1/128")  # where the test servers listen

DOVECOT = "/usr/sbin/dovecot"


@pytest.fixture(autouse=True)
def _checks_may_reach_the_test_servers(settings):
    """The allowlist an installation sets to check servers on its own loopback."""
    settings.CHECKS_ALLOWED_NETWORKS = ",".join(LOOPBACK)


# --------------------------------------------------------------------------
# certificates
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca_file: str
    cert_file: str  # CN/SAN localhost + 127.0.0.1, signed by the test CA
    key_file: str
    wrong_cert_file: str  # SAN wrong.example.test only, signed by the test CA
    wrong_key_file: str

    def server_context(self, wrong_host: bool = False) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if wrong_host:
            context.load_cert_chain(self.wrong_cert_file, self.wrong_key_file)
        else:
            context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hostkontor Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(key, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _issue(ca_key, ca_name, names: list[x509.GeneralName], common_name: str, days: int):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> TlsFiles:
    directory = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Hostkontor Test CA")
    now = dt.datetime.now(dt.UTC)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    good_key, good_cert = _issue(
        ca_key,
        ca_name,
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))],
        "localhost",
        CERT_DAYS,
    )
    wrong_key, wrong_cert = _issue(
        ca_key, ca_name, [x509.DNSName("wrong.example.test")], "wrong.example.test", CERT_DAYS
    )
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (directory / "server.pem").write_bytes(good_cert.public_bytes(pem))
    (directory / "wrong.pem").write_bytes(wrong_cert.public_bytes(pem))
    _write_key(good_key, directory / "server.key")
    _write_key(wrong_key, directory / "wrong.key")
    return TlsFiles(
        ca_file=str(directory / "ca.pem"),
        cert_file=str(directory / "server.pem"),
        key_file=str(directory / "server.key"),
        wrong_cert_file=str(directory / "wrong.pem"),
        wrong_key_file=str(directory / "wrong.key"),
    )


# --------------------------------------------------------------------------
# trivial sockets: closed port, silent server
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def closed_port():
    """A port that is bound (so nobody else takes it) but not listening: RST."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture(scope="session")
def silent_port():
    """Accepts every TCP connection and never sends a byte (a black hole that
    stays on loopback)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, 0))
    server.listen(1024)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept_forever, name="silent-server", daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    try:
        server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    except OSError:
        pass
    server.close()
    for conn in held:
        conn.close()
    thread.join(timeout=2)


class CountingPop3:
    """A minimal POP3 server (any user name and password log in) that counts connections: how many it accepted (``total``) and
    the most it served at once (``peak``). Each greeting comes after ``delay`` seconds, so
    concurrent clients really overlap."""

    def __init__(self, host: str, delay: float) -> None:
        import socketserver

        self.total = self.active = self.peak = 0
        self._lock = threading.Lock()
        counter = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                counter._change(+1)
                done = False
                try:
                    time.sleep(delay)
                    self.wfile.write(b"+OK counting test server\r\n")
                    for line in self.rfile:
                        if line.upper().startswith(b"QUIT"):
                            counter._change(-1)  # before the answer: the client may go on
                            done = True
                            self.wfile.write(b"+OK bye\r\n")
                            return
                        command = line.split(b" ", 1)[0].strip().upper()
                        answer = {b"USER": b"+OK", b"PASS": b"+OK logged in", b"STAT": b"+OK 0 0"}
                        self.wfile.write(answer.get(command, b"-ERR not here") + b"\r\n")
                finally:
                    if not done:
                        counter._change(-1)

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_class = type(
            "Server",
            (socketserver.ThreadingTCPServer,),
            {"address_family": family, "daemon_threads": True, "allow_reuse_address": True},
        )
        self._server = server_class((host, 0), Handler)
        self.host, self.port = host, self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _change(self, step: int) -> None:
        with self._lock:
            if step > 0:
                self.total += 1
            self.active += step
            self.peak = max(self.peak, self.active)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def counting_pop3():
    """``counting_pop3(host="127.0.0.1", delay=0.0)`` -> a started :class:`CountingPop3`."""
    started: list[CountingPop3] = []

    def start(host: str = HOST, delay: float = 0.0) -> CountingPop3:
        server = CountingPop3(host, delay)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


# --------------------------------------------------------------------------
# FTP / FTPS (pyftpdlib)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def _start_ftp(handler_class, home: str):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer

    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASSWORD, home, perm="elr")
    handler_class.authorizer = authorizer
    handler_class.auth_failed_timeout = 0  # default 3 s delay per failed login
    handler_class.banner = "Hostkontor test FTP ready"
    server = FTPServer((HOST, 0), handler_class, ioloop=IOLoop())
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"timeout": 0.2, "handle_exit": False},
        name=f"ftp-{handler_class.__name__}",
        daemon=True,
    )
    thread.start()
    return server, thread


@pytest.fixture(scope="session")
def ftp_server(tmp_path_factory):
    from pyftpdlib.handlers import FTPHandler

    class PlainHandler(FTPHandler):
        pass

    server, thread = _start_ftp(PlainHandler, str(tmp_path_factory.mktemp("ftp-home")))
    yield Endpoint(HOST, server.address[1])
    server.close_all()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def ftps_server(tmp_path_factory, tls_files):
    try:
        from pyftpdlib.handlers import TLS_FTPHandler
    except ImportError:
        require_service(
            "ftps",
            "pyftpdlib's TLS_FTPHandler needs PyOpenSSL (pip install pyopenssl)",
        )

    class TlsHandler(TLS_FTPHandler):
        certfile = tls_files.cert_file
        keyfile = tls_files.key_file
        ssl_context = None  # built lazily per class from certfile/keyfile

    server, thread = _start_ftp(TlsHandler, str(tmp_path_factory.mktemp("ftps-home")))
    yield Endpoint(HOST, server.address[1])
    server.close_all()
    thread.join(timeout=5)


# --------------------------------------------------------------------------
# POP3 / IMAP (dovecot)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dovecot:
    host: str
    pop3: int
    pop3s: int
    imap: int
    imaps: int


DOVECOT_CONF = """\
# Hostkontor test instance (dovecot 2.3 syntax; Debian bookworm ships 2.3.19)
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = hostkontor-test-{token}
protocols = imap pop3
listen = {host}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
# The auth process can't reach anvil's penalty socket, which turns the "auth
# penalty" (2-15 s growing delay after failed logins per IP) off for the tests.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {host}
    port = {pop3}
  }}
  inet_listener pop3s {{
    address = {host}
    port = {pop3s}
    ssl = yes
  }}
}}
"""


def _existing_user(*names: str) -> str:
    for name in names:
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            continue
    raise LookupError(f"none of the users {names} exists")


@pytest.fixture(scope="session")
def dovecot(tls_files):
    missing = [
        path
        for path in (DOVECOT, "/usr/lib/dovecot/pop3", "/usr/lib/dovecot/imap")
        if not os.path.exists(path)
    ]
    if missing:
        require_service(
            "dovecot",
            f"{', '.join(missing)} not found; apt-get install -y dovecot-pop3d dovecot-imapd",
        )
    root = Path(tempfile.mkdtemp(prefix="hk-dovecot-"))
    os.chmod(root, 0o755)
    account = pwd.getpwuid(os.getuid())
    # Login processes refuse to run as root: as root use Debian's unprivileged
    # dovenull/dovecot users; as a normal user run everything as that user.
    login_user = internal_user = account.pw_name
    mail_account = account
    if os.getuid() == 0:
        login_user = _existing_user("dovenull", "nobody")
        internal_user = _existing_user("dovecot", "nobody")
        mail_account = pwd.getpwnam("nobody")  # dovecot refuses uid 0 for mail
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, mail_account.pw_uid, mail_account.pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    ports = {name: free_tcp_port(HOST) for name in ("pop3", "pop3s", "imap", "imaps")}
    config = root / "dovecot.conf"
    config.write_text(
        DOVECOT_CONF.format(
            root=root,
            host=HOST,
            token=secrets.token_hex(4),
            cert=tls_files.cert_file,
            key=tls_files.key_file,
            login_user=login_user,
            internal_user=internal_user,
            uid=mail_account.pw_uid,
            gid=mail_account.pw_gid,
            **ports,
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        ready = all(wait_for_port(HOST, port, timeout=10) for port in ports.values())
        if not ready or process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            output = process.stdout.read().decode() if process.poll() is not None else ""
            require_service("dovecot", f"did not start: {output.strip()} {log.strip()}"[:2000])
        yield Dovecot(HOST, **ports)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------
# SMTP submission (aiosmtpd)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServers:
    host: str
    plain: int  # AUTH allowed without TLS
    starttls: int  # STARTTLS required before AUTH
    implicit: int  # SMTPS


@pytest.fixture(scope="session")
def smtp_servers(tls_files):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    def authenticator(server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"")
        password = getattr(auth_data, "password", b"")
        ok = login == USER.encode() and password == PASSWORD.encode()
        # handled=False: let aiosmtpd answer "535 5.7.8 Authentication credentials invalid"
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    common = {"authenticator": authenticator, "hostname": HOST, "ready_timeout": 10}
    controllers = {
        "plain": Controller(Handler(), port=free_tcp_port(HOST), auth_require_tls=False, **common),
        "starttls": Controller(
            Handler(),
            port=free_tcp_port(HOST),
            tls_context=tls_files.server_context(),
            require_starttls=True,
            auth_require_tls=True,
            **common,
        ),
        "implicit": Controller(
            Handler(),
            port=free_tcp_port(HOST),
            ssl_context=tls_files.server_context(),
            auth_require_tls=False,
            **common,
        ),
    }
    started = []
    try:
        for controller in controllers.values():
            controller.start()
            started.append(controller)
        yield SmtpServers(
            HOST, **{name: controller.port for name, controller in controllers.items()}
        )
    finally:
        for controller in started:
            controller.stop()


# --------------------------------------------------------------------------
# HTTP / HTTPS (stdlib)
# --------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "HostkontorTest/1"

    def do_GET(self):  # noqa: N802 - stdlib API
        if self.path == "/private":
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._reply(401, b"login required", {"WWW-Authenticate": 'Basic realm="t"'})
                return
            self._reply(200, b"private ok")
        elif self.path == "/":
            self._reply(200, b"ok")
        else:
            self._reply(404, b"not found")

    def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


@dataclass(frozen=True)
class HttpServers:
    host: str
    http: int
    https: int  # cert for localhost/127.0.0.1
    https_wrong_host: int  # cert for wrong.example.test


@pytest.fixture(scope="session")
def http_servers(tls_files):
    servers = []
    threads = []
    for context in (None, tls_files.server_context(), tls_files.server_context(True)):
        server = http.server.ThreadingHTTPServer((HOST, 0), _Handler)
        server.daemon_threads = True
        if context is not None:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        thread.start()
        servers.append(server)
        threads.append(thread)
    yield HttpServers(HOST, *(server.server_address[1] for server in servers))
    for server in servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=5)


# --------------------------------------------------------------------------
# MySQL / MariaDB
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MySql:
    host: str
    port: int
    user: str
    ssl_user: str | None  # user with REQUIRE SSL, None if the server has no TLS
    b_user: str  # a name ending in "b" (library messages quote it as 'hk_…b'@'host')
    database: str
    server_tls: bool
    server_tls_reason: str
    # The server's own certificate when it is self-signed and readable here (a local test
    # server): lets the checks verify TLS instead of switching verification off.
    ca_file: str | None = None


@pytest.fixture(scope="session")
def mysql_server():
    host = os.environ.get("HOSTKONTOR_TEST_MYSQL_HOST", HOST)
    port = int(os.environ.get("HOSTKONTOR_TEST_MYSQL_PORT", "3306"))
    admin = {
        "host": host,
        "port": port,
        "user": os.environ.get("HOSTKONTOR_TEST_MYSQL_USER", "root"),
        "password": os.environ.get("HOSTKONTOR_TEST_MYSQL_PASSWORD", ""),
        "connect_timeout": 5,
        "autocommit": True,
    }
    try:
        connection = pymysql.connect(**admin)
    except pymysql.MySQLError as exc:
        require_service("mysql", f"cannot connect as admin to {host}:{port}: {exc}")
    suffix = secrets.token_hex(4)
    user, ssl_user, database = f"hk_chk_{suffix}", f"hk_chks_{suffix}", f"hk_chk_{suffix}"
    b_user = f"hk_chkb_{suffix}_db"
    hosts = ("localhost", "127.0.0.1", "::1", "%")
    with connection.cursor() as cursor:
        cursor.execute("SHOW VARIABLES LIKE 'have_ssl'")
        row = cursor.fetchone()
        have_ssl = (row[1] if row else "NO").upper()
        server_tls = have_ssl == "YES"
        reason = (
            "server has TLS"
            if server_tls
            else f"MariaDB at {host}:{port} has have_ssl={have_ssl} (no ssl_cert/ssl_key configured)"
        )
        cursor.execute("SELECT @@ssl_ca, @@ssl_cert")
        ssl_ca, ssl_cert = cursor.fetchone()
        ca_file = next((f for f in (ssl_ca, ssl_cert) if f and os.access(f, os.R_OK)), None)
        cursor.execute(f"CREATE DATABASE `{database}`")
        for user_host in hosts:
            cursor.execute("CREATE USER %s@%s IDENTIFIED BY %s", (user, user_host, PASSWORD))
            cursor.execute(f"GRANT SELECT ON `{database}`.* TO %s@%s", (user, user_host))
            cursor.execute("CREATE USER %s@%s IDENTIFIED BY %s", (b_user, user_host, PASSWORD))
            if server_tls:
                cursor.execute(
                    "CREATE USER %s@%s IDENTIFIED BY %s REQUIRE SSL",
                    (ssl_user, user_host, PASSWORD),
                )
    try:
        yield MySql(
            host,
            port,
            user,
            ssl_user if server_tls else None,
            b_user,
            database,
            server_tls,
            reason,
            ca_file,
        )
    finally:
        with connection.cursor() as cursor:
            for user_host in hosts:
                cursor.execute("DROP USER IF EXISTS %s@%s", (user, user_host))
                cursor.execute("DROP USER IF EXISTS %s@%s", (ssl_user, user_host))
                cursor.execute("DROP USER IF EXISTS %s@%s", (b_user, user_host))
            cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
        connection.close()


# --------------------------------------------------------------------------
# Django-level tests: vault keys from the environment
# --------------------------------------------------------------------------

from hostkontor.vault.testing import vault_keys  # noqa: E402, F401 (fixture)
