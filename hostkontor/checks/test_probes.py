"""Function checks against real servers on loopback (see conftest.py)."""

import base64
import time

import pytest

from hostkontor.checks.conftest import HOST, LOOPBACK, PASSWORD, USER, WRONG_PASSWORD
from hostkontor.checks.probes import (
    AUTH_FAILED,
    BLOCKED_TARGET,
    CATEGORIES,
    CONNECTION_REFUSED,
    DNS_ERROR,
    PROTOCOL_ERROR,
    TIMEOUT,
    TLS_ERROR,
    CheckResult,
    CheckSpec,
    run_check,
    run_checks,
)
from hostkontor.vault.crypto import Secret

pytestmark = pytest.mark.services

OK_TIMEOUT = 5.0
SILENT_TIMEOUT = 0.5


def leaked_forms(password: str) -> list[str]:
    forms = [password, f"\0{USER}\0{password}", f"{USER}\0{USER}\0{password}", f"{USER}:{password}"]
    return [password] + [base64.b64encode(f.encode()).decode() for f in forms]


def assert_failed(result: CheckResult, category: str, fragment: str = "") -> None:
    assert result.ok is False, result.message
    assert result.category == category, result.message
    assert fragment in result.message, result.message
    assert result.message.split(": ")[1] == category


def assert_ok(result: CheckResult) -> None:
    assert result.ok is True, result.message
    assert result.category is None
    assert result.message.endswith(" OK") or " OK (logged in as " in result.message


# --- endpoints, by (kind, tls) ------------------------------------------------


@pytest.fixture
def endpoints(request):
    """Lazily resolve a server port for (kind, tls), starting only what's needed."""

    def get(kind: str, tls: str) -> int:
        if kind in ("pop3", "imap"):
            dovecot = request.getfixturevalue("dovecot")
            return getattr(dovecot, kind + ("s" if tls == "implicit" else ""))
        if kind == "smtp":
            smtp = request.getfixturevalue("smtp_servers")
            return {"none": smtp.plain, "starttls": smtp.starttls, "implicit": smtp.implicit}[tls]
        if kind == "ftp":
            name = "ftps_server" if tls == "starttls" else "ftp_server"
            return request.getfixturevalue(name).port
        if kind == "http":
            servers = request.getfixturevalue("http_servers")
            return servers.https if tls == "implicit" else servers.http
        if kind == "mysql":
            return request.getfixturevalue("mysql_server").port
        raise AssertionError(kind)

    return get


def spec_for(kind, tls, port, tls_files=None, password=PASSWORD, **overrides):
    values = {
        "kind": kind,
        "host": HOST,
        "port": port,
        "tls": tls,
        "username": USER,
        "password": Secret(password),
        "timeout": OK_TIMEOUT,
        "ca_file": tls_files.ca_file if tls_files and tls != "none" else None,
        "allowed_networks": LOOPBACK,
    }
    values.update(overrides)
    return CheckSpec(**values)


def local_spec(*args, **kwargs) -> CheckSpec:
    """A spec that may reach the test servers on loopback (see LOOPBACK in conftest)."""
    return CheckSpec(*args, allowed_networks=LOOPBACK, **kwargs)


LOGIN_CASES = [
    ("pop3", "none"),
    ("pop3", "starttls"),
    ("pop3", "implicit"),
    ("imap", "none"),
    ("imap", "starttls"),
    ("imap", "implicit"),
    ("smtp", "none"),
    ("smtp", "starttls"),
    ("smtp", "implicit"),
    ("ftp", "none"),
    ("ftp", "starttls"),
]


# --- success -------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "tls"), LOGIN_CASES)
def test_login_succeeds(kind, tls, endpoints, tls_files):
    # given a real server with the test account
    spec = spec_for(kind, tls, endpoints(kind, tls), tls_files)
    # when the check runs
    result = run_check(spec)
    # then it passes and reports TLS facts when TLS was used
    assert_ok(result)
    assert result.message == f"{kind.upper()} {HOST}:{spec.port} OK (logged in as '{USER}')"
    assert result.details["kind"] == kind
    assert result.details["port"] == spec.port
    assert 0 <= result.latency_ms < OK_TIMEOUT * 1000
    if tls == "none":
        assert "tls_version" not in result.details
    else:
        assert result.details["tls_version"] in ("TLSv1.2", "TLSv1.3")
        assert result.details["cert_days_left"] in (29, 30)


def test_pop3_and_imap_report_mailbox_size(endpoints, tls_files):
    pop3 = run_check(spec_for("pop3", "implicit", endpoints("pop3", "implicit"), tls_files))
    imap = run_check(spec_for("imap", "implicit", endpoints("imap", "implicit"), tls_files))
    assert pop3.details["messages"] == 0
    assert imap.details["messages"] == 0
    assert "Dovecot" in pop3.details["banner"]


def test_ftp_anonymous_is_refused_by_test_server(ftp_server):
    result = run_check(local_spec("ftp", HOST, ftp_server.port, timeout=OK_TIMEOUT))
    assert_failed(result, AUTH_FAILED, "FTP login rejected: 530")


def test_smtp_connect_only_without_credentials(smtp_servers):
    result = run_check(local_spec("smtp", HOST, smtp_servers.plain, timeout=OK_TIMEOUT))
    assert_ok(result)
    assert result.message == f"SMTP {HOST}:{smtp_servers.plain} OK"


def test_mysql_select_1_with_database(mysql_server):
    # given a MySQL user with access to its database
    spec = local_spec(
        "mysql",
        mysql_server.host,
        mysql_server.port,
        username=mysql_server.user,
        password=PASSWORD,
        database=mysql_server.database,
        timeout=OK_TIMEOUT,
    )
    # when checked
    result = run_check(spec)
    # then it connects and runs SELECT 1
    assert_ok(result)
    assert "MariaDB" in result.details["server_version"] or result.details["server_version"]


def test_mysql_database_without_grant_is_auth_failed(mysql_server):
    spec = local_spec(
        "mysql",
        mysql_server.host,
        mysql_server.port,
        username=mysql_server.user,
        password=PASSWORD,
        database=mysql_server.database + "_missing",
        timeout=OK_TIMEOUT,
    )
    result = run_check(spec)
    # MariaDB answers 1044 (access denied to database) for a user without rights on it
    assert_failed(result, AUTH_FAILED, "MySQL login rejected: (1044) Access denied for user")


def test_mysql_tls(mysql_server, tls_files):
    spec = local_spec(
        "mysql",
        mysql_server.host,
        mysql_server.port,
        tls="implicit",
        username=mysql_server.ssl_user or mysql_server.user,
        password=PASSWORD,
        timeout=OK_TIMEOUT,
        verify_tls=False,
    )
    result = run_check(spec)
    if not mysql_server.server_tls:
        # then the password is never sent over a connection that can't be encrypted
        assert_failed(result, TLS_ERROR, "SSL is required but the server doesn't support it")
        # a server setting, not a missing service: skipped even with HOSTKONTOR_REQUIRE_SERVICES
        pytest.skip(f"REQUIRE SSL user not tested: {mysql_server.server_tls_reason}")
    assert_ok(result)
    assert result.details["tls_version"] in ("TLSv1.2", "TLSv1.3")


def test_http_and_https_expected_status(http_servers, tls_files):
    plain = run_check(local_spec("http", HOST, http_servers.http, timeout=OK_TIMEOUT))
    secure = run_check(
        local_spec(
            "http",
            HOST,
            http_servers.https,
            tls="implicit",
            ca_file=tls_files.ca_file,
            min_cert_days=14,
            timeout=OK_TIMEOUT,
        )
    )
    missing = run_check(
        local_spec(
            "http", HOST, http_servers.http, path="/gone", expected_status=404, timeout=OK_TIMEOUT
        )
    )
    assert_ok(plain)
    assert plain.details["status"] == 200
    assert_ok(secure)
    assert secure.details["status"] == 200
    assert secure.details["cert_days_left"] in (29, 30)
    assert_ok(missing)
    assert missing.details["status"] == 404


def test_http_basic_auth(http_servers):
    good = run_check(
        local_spec(
            "http", HOST, http_servers.http, path="/private", username=USER, password=PASSWORD
        )
    )
    bad = run_check(
        local_spec(
            "http",
            HOST,
            http_servers.http,
            path="/private",
            username=USER,
            password=WRONG_PASSWORD,
        )
    )
    assert_ok(good)
    assert_failed(bad, AUTH_FAILED, "HTTP status 401 Unauthorized, expected 200")


def test_http_unexpected_status_is_protocol_error(http_servers):
    result = run_check(local_spec("http", HOST, http_servers.http, path="/gone"))
    assert_failed(result, PROTOCOL_ERROR, "HTTP status 404 Not Found, expected 200")
    assert result.details["status"] == 404


def test_https_certificate_expiring_too_soon(http_servers, tls_files):
    result = run_check(
        local_spec(
            "http",
            HOST,
            http_servers.https,
            tls="implicit",
            ca_file=tls_files.ca_file,
            min_cert_days=60,
        )
    )
    assert_failed(result, TLS_ERROR, "certificate expires in")
    assert "(minimum 60)" in result.message
    assert result.details["cert_days_left"] in (29, 30)


def test_https_hostname_mismatch(http_servers, tls_files):
    result = run_check(
        local_spec(
            "http", HOST, http_servers.https_wrong_host, tls="implicit", ca_file=tls_files.ca_file
        )
    )
    assert_failed(result, TLS_ERROR, "certificate verification failed: IP address mismatch")


def test_https_without_verification_accepts_wrong_host_but_still_reports_days(
    http_servers, tls_files
):
    result = run_check(
        local_spec("http", HOST, http_servers.https_wrong_host, tls="implicit", verify_tls=False)
    )
    assert_ok(result)
    assert result.details["cert_days_left"] in (29, 30)


# --- error categories, provoked for real ---------------------------------------

AUTH_CASES = LOGIN_CASES + [("mysql", "none")]


SERVER_AUTH_REPLY = {
    "pop3": "POP3 login rejected: -ERR [AUTH] Authentication failed.",
    "imap": "IMAP login rejected: [AUTHENTICATIONFAILED] Authentication failed.",
    "smtp": "SMTP login rejected: 535 5.7.8 Authentication credentials invalid",
    "ftp": "FTP login rejected: 530 Authentication failed.",
    "mysql": "MySQL login rejected: (1045) Access denied for user",
}


@pytest.mark.parametrize(("kind", "tls"), AUTH_CASES)
def test_wrong_password_is_auth_failed(kind, tls, endpoints, tls_files, request):
    # given a real server and a wrong password
    port = endpoints(kind, tls)
    username = request.getfixturevalue("mysql_server").user if kind == "mysql" else USER
    spec = spec_for(kind, tls, port, tls_files, password=WRONG_PASSWORD, username=username)
    # when checked
    result = run_check(spec)
    # then the server's refusal is reported as auth_failed
    assert_failed(result, AUTH_FAILED, SERVER_AUTH_REPLY[kind])
    assert result.details["phase"] == ("connect" if kind == "mysql" else "login")


ALL_KINDS = ["pop3", "imap", "smtp", "ftp", "mysql", "http"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_closed_port_is_connection_refused(kind, closed_port):
    result = run_check(spec_for(kind, "none", closed_port))
    assert_failed(result, CONNECTION_REFUSED, "connection refused")
    assert result.latency_ms < 1000


@pytest.mark.parametrize(
    ("kind", "tls"), [(k, "none") for k in ALL_KINDS] + [("imap", "implicit"), ("http", "implicit")]
)
def test_silent_server_is_timeout(kind, tls, silent_port):
    # given a server that accepts TCP but never answers (no TLS handshake either)
    spec = spec_for(kind, tls, silent_port, timeout=SILENT_TIMEOUT, verify_tls=False)
    # when checked
    started = time.monotonic()
    result = run_check(spec)
    elapsed = time.monotonic() - started
    # then it times out after about the configured timeout
    assert_failed(result, TIMEOUT, "no answer within the timeout")
    assert SILENT_TIMEOUT * 0.9 <= elapsed < SILENT_TIMEOUT + 1.0


@pytest.mark.parametrize(("kind", "tls"), [c for c in LOGIN_CASES if c[1] != "none"])
def test_certificate_from_unknown_ca_is_tls_error(kind, tls, endpoints):
    # given the system trust store only (no ca_file): the test CA is unknown
    result = run_check(spec_for(kind, tls, endpoints(kind, tls)))
    assert_failed(result, TLS_ERROR, "certificate verification failed: unable to get local issuer")


def test_mysql_certificate_from_unknown_ca_is_tls_error(mysql_server):
    # given MariaDB with TLS and the system trust store only (its certificate is self-signed)
    if not mysql_server.server_tls:
        pytest.skip(mysql_server.server_tls_reason)
    spec = spec_for(
        "mysql", "implicit", mysql_server.port, username=mysql_server.ssl_user, password=PASSWORD
    )
    # when checked with verification
    result = run_check(spec)
    # then the certificate is refused before the password is sent
    assert_failed(result, TLS_ERROR, "certificate verification failed: self-signed certificate")
    assert result.details["phase"] == "connect"


def test_mysql_require_ssl_user_with_verified_tls(mysql_server):
    # given the REQUIRE SSL user and the server's own certificate as the trusted CA
    if not mysql_server.server_tls or mysql_server.ca_file is None:
        pytest.skip(mysql_server.server_tls_reason)
    spec = spec_for(
        "mysql",
        "implicit",
        mysql_server.port,
        username=mysql_server.ssl_user,
        ca_file=mysql_server.ca_file,
    )
    plain = spec_for("mysql", "none", mysql_server.port, username=mysql_server.ssl_user)
    # when checked with and without TLS
    secure, refused = run_check(spec), run_check(plain)
    # then only the verified TLS connection logs in (and runs SELECT 1)
    assert_ok(secure)
    assert secure.details["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert_failed(refused, AUTH_FAILED, "MySQL login rejected: (1045) Access denied for user")


def test_https_certificate_from_unknown_ca_is_tls_error(http_servers):
    result = run_check(local_spec("http", HOST, http_servers.https, tls="implicit"))
    assert_failed(result, TLS_ERROR, "certificate verification failed: unable to get local issuer")


def test_starttls_on_server_without_tls_is_tls_error(ftp_server, smtp_servers, tls_files):
    ftp = run_check(spec_for("ftp", "starttls", ftp_server.port, tls_files))
    smtp = run_check(spec_for("smtp", "starttls", smtp_servers.plain, tls_files))
    assert_failed(ftp, TLS_ERROR, "FTP TLS negotiation failed: 500")
    assert_failed(smtp, TLS_ERROR, "SMTP server does not offer STARTTLS")


def test_unreadable_ca_file_is_tls_error(tmp_path, http_servers):
    spec = local_spec(
        "http", HOST, http_servers.https, tls="implicit", ca_file=str(tmp_path / "missing.pem")
    )
    result = run_check(spec)
    assert_failed(result, TLS_ERROR, "cannot load CA file")
    assert "No such file or directory" in result.message


def test_implicit_tls_against_plaintext_server_is_tls_error(ftp_server, tls_files):
    result = run_check(spec_for("http", "implicit", ftp_server.port, tls_files))
    assert_failed(result, TLS_ERROR, "TLS error: ")


def test_smtp_auth_requires_starttls(smtp_servers):
    # the STARTTLS-only server doesn't offer AUTH on a plain connection
    result = run_check(spec_for("smtp", "none", smtp_servers.starttls))
    assert_failed(
        result,
        AUTH_FAILED,
        "SMTP server offers no AUTH on this connection (it may require STARTTLS first)",
    )


def test_smtp_banner_is_reported(smtp_servers):
    result = run_check(spec_for("smtp", "none", smtp_servers.plain))
    assert result.details["banner"].startswith("220 ")


# A name that no resolver can look up and that therefore never leaves the machine: every label
# is valid (so Python hands it to getaddrinfo, the probes' real path), but the whole name is
# longer than the 253 characters a DNS query can carry, so glibc refuses it before sending
# anything (checked with strace: no connect/sendmmsg to the nameserver, whereas a name like
# "nonexistent.invalid" is sent to it). No test may send traffic to a non-loopback address.
UNRESOLVABLE = ".".join(["x" * 63] * 4) + ".invalid"


def test_unresolvable_name_cannot_be_sent_to_a_resolver():
    labels = UNRESOLVABLE.split(".")
    assert len(UNRESOLVABLE) == 263 > 253
    assert max(len(label) for label in labels) == 63  # valid labels: no idna error first


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_unresolvable_name_is_dns_error(kind):
    # given a host name the resolver refuses
    spec = spec_for(kind, "none", 1, host=UNRESOLVABLE)
    # when checked
    started = time.monotonic()
    result = run_check(spec)
    # then getaddrinfo's failure is reported as dns_error, at once
    assert_failed(result, DNS_ERROR, "host name could not be resolved (")
    assert result.details["phase"] == "connect"
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_host_with_an_empty_label_is_dns_error(kind):
    # given a mistyped host (two dots), which Python refuses to encode before any look-up
    result = run_check(spec_for(kind, "none", 1, host="mail..example.invalid"))
    # then it is a DNS error too, not a protocol error
    assert_failed(result, DNS_ERROR, "host name is not a valid DNS name (empty or too long label)")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("pop3", "unexpected POP3 answer during connect: 220 Hostkontor test FTP ready"),
        (
            "imap",
            "unexpected IMAP answer during connect: unexpected response: "
            "220 Hostkontor test FTP ready",
        ),
        ("smtp", 'SMTP EHLO rejected: 500 Command "EHLO" not understood.'),
        ("http", "unexpected HTTP answer during command: 220 Hostkontor test FTP ready"),
        ("mysql", "MySQL error during connect: Packet sequence number wrong"),
    ],
)
def test_wrong_protocol_is_protocol_error(kind, message, ftp_server):
    # given an FTP server, when it is checked as another protocol
    result = run_check(spec_for(kind, "none", ftp_server.port))
    # then the unexpected answer is a protocol error
    assert_failed(result, PROTOCOL_ERROR, message)


def test_ftp_against_imap_server_is_protocol_error(dovecot):
    result = run_check(spec_for("ftp", "none", dovecot.imap))
    assert_failed(result, PROTOCOL_ERROR, "unexpected FTP answer during connect")


# --- secrets ---------------------------------------------------------------------


def test_password_never_appears_in_any_result(
    endpoints, tls_files, closed_port, silent_port, ftp_server, http_servers, mysql_server
):
    # given one scenario per category, each with its own password
    scenarios = {
        AUTH_FAILED: [
            spec_for(k, t, endpoints(k, t), tls_files, password=WRONG_PASSWORD)
            for k, t in LOGIN_CASES
        ]
        + [
            spec_for(
                "mysql",
                "none",
                mysql_server.port,
                password=WRONG_PASSWORD,
                username=mysql_server.user,
            ),
            spec_for("http", "none", http_servers.http, password=WRONG_PASSWORD, path="/private"),
        ],
        CONNECTION_REFUSED: [spec_for(k, "none", closed_port) for k in ALL_KINDS],
        TIMEOUT: [spec_for(k, "none", silent_port, timeout=SILENT_TIMEOUT) for k in ALL_KINDS],
        TLS_ERROR: [spec_for(k, t, endpoints(k, t)) for k, t in LOGIN_CASES if t != "none"],
        DNS_ERROR: [spec_for(k, "none", 1, host=UNRESOLVABLE) for k in ALL_KINDS],
        PROTOCOL_ERROR: [
            spec_for(k, "none", ftp_server.port) for k in ("pop3", "imap", "smtp", "http")
        ],
        BLOCKED_TARGET: [
            spec_for(k, "none", ftp_server.port, allowed_networks=()) for k in ALL_KINDS
        ],
    }
    assert set(scenarios) == set(CATEGORIES)
    for category, specs in scenarios.items():
        # when checked
        results = run_checks(specs)
        for spec, result in zip(specs, results, strict=True):
            # then the category is right and no form of the password leaks
            assert result.category == category, result.message
            text = repr(result) + str(result.details) + result.message + repr(spec)
            for form in leaked_forms(spec.password.reveal()):
                assert form not in text, (category, result.message)


def test_scrubbing_covers_server_echoes():
    # unit-level: a message containing the password (e.g. echoed by a server) is masked
    from hostkontor.checks.probes import _Scrubber

    scrubber = _Scrubber(USER, PASSWORD)
    plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    text = f"-ERR bad {PASSWORD} / AUTH PLAIN {plain} / {PASSWORD!r}"
    cleaned = scrubber.data({"msg": text, "list": [PASSWORD.encode()]})
    assert PASSWORD not in str(cleaned)
    assert plain not in str(cleaned)
    assert cleaned["msg"] == "-ERR bad ******** / AUTH PLAIN ******** / '********'"


# --- concurrency -------------------------------------------------------------------


def test_200_checks_against_silent_server_take_about_one_timeout(silent_port):
    # given 200 checks of all kinds against a server that never answers (standing in for 200
    # black-holed hosts: the per-host cap is lifted because they share the loopback address)
    kinds = ["pop3", "imap", "smtp", "ftp", "http", "mysql"]
    specs = [spec_for(kinds[i % len(kinds)], "none", silent_port, timeout=1.0) for i in range(200)]
    # when run concurrently
    started = time.monotonic()
    results = run_checks(specs, per_host=200)
    elapsed = time.monotonic() - started
    # then all time out, in order, and the batch takes about one timeout (not 200)
    assert len(results) == 200
    assert [r.category for r in results] == [TIMEOUT] * 200
    assert [r.details["kind"] for r in results] == [s.kind for s in specs]
    assert 0.9 <= elapsed < 3.0  # each waited for its timeout; 200 in sequence = 200 s


def test_run_checks_respects_max_workers(silent_port):
    specs = [spec_for("pop3", "none", silent_port, timeout=0.3) for _ in range(4)]
    started = time.monotonic()
    results = run_checks(specs, max_workers=2)
    elapsed = time.monotonic() - started
    assert [r.category for r in results] == [TIMEOUT] * 4
    assert 0.55 <= elapsed < 3.0
    assert run_checks([]) == []
    with pytest.raises(ValueError, match="max_workers must be >= 1"):
        run_checks(specs, max_workers=0)


# --- spec validation -----------------------------------------------------------------


def test_spec_hides_the_password_and_wraps_str_in_secret():
    spec = CheckSpec("pop3", "mail.example.de", username="info", password=PASSWORD)
    assert isinstance(spec.password, Secret)
    assert spec.password.reveal() == PASSWORD
    assert PASSWORD not in repr(spec)
    assert spec.port == 110


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "gopher"}, "kind must be one of pop3, imap, smtp, ftp, mysql, http"),
        ({"tls": "maybe"}, "tls must be one of none, starttls, implicit"),
        ({"kind": "http", "tls": "starttls"}, "tls='starttls' is not supported for http"),
        ({"kind": "ftp", "tls": "implicit"}, "tls='implicit' is not supported for ftp"),
        ({"port": 70000}, "port must be an int between 1 and 65535"),
        ({"timeout": 0}, "timeout must be > 0 seconds"),
        ({"kind": "mysql"}, "a mysql check needs a username"),
        ({"min_cert_days": 10}, "min_cert_days needs a TLS connection"),
        ({"host": ""}, "host must be a non-empty str"),
    ],
)
def test_invalid_specs_are_rejected(kwargs, message):
    values = {"kind": "pop3", "host": "mail.example.de"} | kwargs
    with pytest.raises(ValueError) as info:
        CheckSpec(**values)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("kind", "tls", "port"),
    [
        ("pop3", "implicit", 995),
        ("imap", "none", 143),
        ("imap", "implicit", 993),
        ("smtp", "starttls", 587),
        ("smtp", "implicit", 465),
        ("ftp", "starttls", 21),
        ("mysql", "implicit", 3306),
        ("http", "implicit", 443),
    ],
)
def test_default_ports(kind, tls, port):
    assert CheckSpec(kind, "h.example", tls=tls, username="u").port == port


def test_long_server_text_is_truncated_after_scrubbing():
    # a password cut in half by truncation must not survive
    from hostkontor.checks.probes import MAX_DETAIL_TEXT, _Scrubber, _truncate

    text = "x" * (MAX_DETAIL_TEXT - 10) + PASSWORD + "y" * 50
    cleaned = _truncate(_Scrubber(USER, PASSWORD).data({"banner": text}))
    assert len(cleaned["banner"]) == MAX_DETAIL_TEXT
    assert PASSWORD[:6] not in cleaned["banner"]
