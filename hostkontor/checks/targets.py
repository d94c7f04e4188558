"""Where a function check may connect, and how many checks one server gets at once.

A check sends a customer's credentials to an entry's host and port, so whoever can set those
could make the server log in to anything it can reach: its own loopback services, the cloud
metadata address, the office network. The rules (pure: stdlib only, no Django):

* The host is resolved once (:func:`resolve`). Every resolved address is checked; if any one
  is internal (loopback, link-local, private, unique-local, site-local, multicast,
  unspecified, reserved, shared/CGNAT, or such an IPv4 address inside IPv4-mapped/6to4
  IPv6) and not inside an allowed network, the whole target is refused
  (:class:`TargetBlocked`) before any connection is attempted.
* The probe then connects to exactly those checked addresses (:meth:`Target.connect`), never
  to the name again, so a DNS answer that changes between the check and the connect (DNS
  rebinding) cannot swap in another address. The name is kept for TLS (SNI and certificate
  check) and HTTP's ``Host``.
* :class:`HostLimiter` caps how many checks talk to one address at a time, so a batch does not
  open hundreds of logins on one customer's mail server.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

BLOCKED_TARGET = "blocked_target"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetBlocked(Exception):
    """The target resolves to an address checks may not connect to."""


def parse_networks(value: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """``"127.0.0.1, 10.0.0.0/8, ::1"`` (or an iterable of such entries) as networks; a single
    address is a /32 (/128). A bad entry raises ValueError naming it."""
    items = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {text!r}") from None
    return tuple(networks)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour
    return None


def internal_reason(address: IPAddress) -> str | None:
    """Why ``address`` is internal ("loopback", "private" …), None for a public address."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and internal_reason(embedded):
        return internal_reason(embedded)
    checks = [
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    ]
    return next((reason for reason, hit in checks if hit), None)


def _address(sockaddr: tuple) -> IPAddress:
    return ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])


@dataclass(frozen=True)
class Target:
    """A host name with the addresses it resolved to, all of them checked."""

    host: str
    port: int
    addresses: tuple[tuple[int, tuple], ...]  # (family, sockaddr) as getaddrinfo gives them

    @property
    def key(self) -> str:
        """The first address: what :class:`HostLimiter` counts connections by."""
        return str(_address(self.addresses[0][1]))

    def connect(self, timeout: float | None) -> socket.socket:
        """A TCP connection to the first checked address that answers (like
        ``socket.create_connection``, without resolving the name again)."""
        error: OSError | None = None
        for family, sockaddr in self.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        assert error is not None  # resolve() never returns a target without addresses
        raise error


def resolve(host: str, port: int, allowed: Iterable[IPNetwork] = ()) -> Target:
    """Resolve ``host`` and check every address. Raises ``socket.gaierror`` (or UnicodeError
    for a name that cannot be encoded) when it does not resolve, :class:`TargetBlocked` when
    an address is internal and not in ``allowed``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    allowed = tuple(allowed)
    addresses: list[tuple[int, tuple]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = _address(sockaddr)
        reason = internal_reason(address)
        if reason and not any(address in network for network in allowed):
            raise TargetBlocked(
                f"{host} resolves to {address}, an internal address ({reason}); checks "
                "connect only to public addresses unless HOSTKONTOR_CHECKS_ALLOWED_NETWORKS "
                "allows it"
            )
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no IPv4 or IPv6 address")
    return Target(host=host, port=port, addresses=tuple(addresses))


class HostLimiter:
    """At most ``per_host`` concurrent checks per address (thread-safe)."""

    def __init__(self, per_host: int) -> None:
        if per_host < 1:
            raise ValueError("per_host must be >= 1")
        self.per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(key, threading.Semaphore(self.per_host))
        with semaphore:
            yield
