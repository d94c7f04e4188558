"""Where checks may connect (SSRF guard), how many at once per server, and message cleanup."""

import ipaddress
import socket
import time

import pytest

from hostkontor.checks import probes
from hostkontor.checks.conftest import HOST, LOOPBACK, PASSWORD, USER
from hostkontor.checks.probes import (
    AUTH_FAILED,
    BLOCKED_TARGET,
    CheckSpec,
    _short,
    run_check,
    run_checks,
)
from hostkontor.checks.targets import Target, internal_reason, parse_networks

BLOCKED = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fd00::1"]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "not globally routable"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fd00::1", "private"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::1", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::7f00:1", "reserved"),
        ("8.8.8.8", None),
        ("2a00:1450:4001::1", None),
    ],
)
def test_internal_addresses_are_recognised(address, reason):
    assert internal_reason(ipaddress.ip_address(address)) == reason


def test_allowed_networks_are_parsed_with_a_clear_error():
    assert parse_networks(" 127.0.0.1, 10.0.0.0/8 ,::1,") == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert parse_networks("") == ()
    with pytest.raises(ValueError, match="not an IP address or network: 'intranet'"):
        parse_networks("10.0.0.0/8,intranet")


@pytest.mark.parametrize("address", BLOCKED)
@pytest.mark.parametrize("kind", ["pop3", "imap", "smtp", "ftp", "mysql", "http"])
def test_internal_targets_are_refused_without_a_connection(address, kind, counting_pop3):
    # given a server listening on the loopback address (where one can listen) and no allowlist
    server = counting_pop3("::1" if ":" in address else HOST)
    port = server.port if address in (HOST, "::1") else 1
    spec = CheckSpec(kind, address, port, username=USER, password=PASSWORD, timeout=5.0)
    # when checked
    started = time.monotonic()
    result = run_check(spec)
    # then the check is refused before any connection: the server saw none, no time waited
    assert (result.ok, result.category) == (False, BLOCKED_TARGET), result.message
    assert result.message == (
        f"{kind.upper()} {address}:{port}: blocked_target: {address} resolves to {address}, "
        f"an internal address ({internal_reason(ipaddress.ip_address(address))}); checks "
        "connect only to public addresses unless HOSTKONTOR_CHECKS_ALLOWED_NETWORKS allows it"
    )
    assert result.details["phase"] == "connect" and "address" not in result.details
    assert server.total == 0
    assert time.monotonic() - started < 1.0


def test_a_name_resolving_to_loopback_is_refused(counting_pop3):
    # given "localhost", a name, not an address: the resolved address is what is checked
    server = counting_pop3()
    result = run_check(CheckSpec("pop3", "localhost", server.port, timeout=2.0))
    assert result.category == BLOCKED_TARGET, result.message
    assert "localhost resolves to " in result.message and server.total == 0


def test_an_allowed_network_is_checked_for_real(counting_pop3):
    # given the loopback network allowed: the check connects to the checked address
    server = counting_pop3()
    allowed = CheckSpec("pop3", HOST, server.port, timeout=2.0, allowed_networks=LOOPBACK)
    other = CheckSpec("pop3", HOST, server.port, timeout=2.0, allowed_networks=("10.0.0.0/8",))
    result, refused = run_check(allowed), run_check(other)
    assert (result.ok, result.details["address"], server.total) == (True, HOST, 1), result.message
    assert refused.category == BLOCKED_TARGET


def test_checks_per_host_are_capped(counting_pop3):
    # given 20 checks against one server that takes 0.2 s per connection
    server = counting_pop3(delay=0.2)
    specs = [
        CheckSpec("pop3", HOST, server.port, timeout=2.0, allowed_networks=LOOPBACK)
        for _ in range(20)
    ]
    # when run with at most 2 per host
    started = time.monotonic()
    results = run_checks(specs, per_host=2)
    elapsed = time.monotonic() - started
    # then all pass, the server never served more than 2 at once, and 2 did run in parallel
    assert [r.ok for r in results] == [True] * 20, [r.message for r in results if not r.ok]
    assert (server.total, server.peak) == (20, 2)
    assert 1.9 <= elapsed < 6.0  # 10 rounds of 0.2 s; serial would be 4 s, unlimited 0.2 s
    # and the time spent waiting for a slot is not latency: each took about one greeting
    assert max(r.latency_ms for r in results) < 1000


def test_waiting_for_a_slot_does_not_eat_the_timeout(counting_pop3):
    # given 6 checks with a 0.5 s timeout against a server needing 0.3 s each, 1 at a time
    server = counting_pop3(delay=0.3)
    specs = [
        CheckSpec("pop3", HOST, server.port, timeout=0.5, allowed_networks=LOOPBACK)
        for _ in range(6)
    ]
    # then none times out although the last one waits 1.5 s for its turn
    results = run_checks(specs, per_host=1)
    assert [r.category for r in results] == [None] * 6
    assert server.peak == 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "(1045, \"Access denied for user 'checkdb'@'localhost' (using password: YES)\")",
            "(1045, \"Access denied for user 'checkdb'@'localhost' (using password: YES)\")",
        ),
        ("user 'b'@'localhost'", "user 'b'@'localhost'"),
        ("unexpected response: b'* BYE going'", "unexpected response: * BYE going"),
        ("got b\"+OK\" and b'-ERR'", "got +OK and -ERR"),
        (b"+OK ready", "+OK ready"),
    ],
)
def test_message_cleanup_keeps_names_ending_in_b(raw, clean):
    assert _short(raw) == clean


def test_mysql_user_ending_in_b_is_named_correctly(mysql_server):
    # given a real MariaDB user whose name ends in "b", and a wrong password
    spec = CheckSpec(
        "mysql",
        mysql_server.host,
        mysql_server.port,
        username=mysql_server.b_user,
        password="not-" + PASSWORD,
        timeout=5.0,
        allowed_networks=LOOPBACK,
    )
    # when checked
    result = run_check(spec)
    # then the message quotes the user name exactly as the server did
    assert result.category == AUTH_FAILED, result.message
    assert f"Access denied for user '{mysql_server.b_user}'@'" in result.message


# --- the probes connect to the checked address, never to the name again ---------------------


def pinned(name: str, port: int) -> Target:
    """A target as resolve() returns it: ``name`` for TLS, the loopback address to connect."""
    return Target(host=name, port=port, addresses=((socket.AF_INET, (HOST, port)),))


def probe(kind: str, target: Target, *, tls: str = "none", ca_file=None, **values):
    spec = CheckSpec(
        kind, target.host, target.port, tls=tls, ca_file=ca_file, timeout=5.0, **values
    )
    state = {"phase": "connect", "details": {}}
    context = probes._ssl_context(spec) if tls != "none" else None
    probes._PROBES[kind](spec, target, context, probes._Budget(5.0), state)
    return state["details"]


@pytest.mark.parametrize("kind", ["pop3", "imap", "smtp", "ftp", "http", "mysql"])
def test_every_probe_connects_to_the_pinned_address_only(kind, request):
    # given a name that no resolver answers (as if DNS now pointed elsewhere) pinned to the
    # loopback address the real server listens on
    name = "rebound.hostkontor.invalid"
    if kind in ("pop3", "imap"):
        port = getattr(request.getfixturevalue("dovecot"), kind)
    elif kind == "smtp":
        port = request.getfixturevalue("smtp_servers").plain
    elif kind == "ftp":
        port = request.getfixturevalue("ftp_server").port
    elif kind == "http":
        port = request.getfixturevalue("http_servers").http
    else:
        mysql = request.getfixturevalue("mysql_server")
        port = mysql.port
    credentials = {"username": USER, "password": PASSWORD}
    if kind == "mysql":
        credentials = {"username": mysql.user, "password": PASSWORD, "database": mysql.database}
    if kind == "http":
        credentials["path"] = "/private"
    # when the probe runs, then it logs in: it never looked the name up again
    details = probe(kind, pinned(name, port), **credentials)
    assert details.get("status", 200) == 200


def test_tls_checks_the_name_while_connecting_to_the_pinned_address(http_servers, tls_files):
    # given the server whose certificate is for wrong.example.test only, pinned to loopback
    target = pinned("wrong.example.test", http_servers.https_wrong_host)
    # when checked as that name, then TLS (SNI and certificate check) used the name and passed
    details = probe("http", target, tls="implicit", ca_file=tls_files.ca_file)
    assert details["status"] == 200 and details["cert_days_left"] in (29, 30)
