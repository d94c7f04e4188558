"""Helpers for tests that need real services (mail, FTP, database servers).

A missing service skips the test -- unless ``HOSTKONTOR_REQUIRE_SERVICES=1``
(CI), where it fails it, so a broken CI image can't turn into a green run of
skipped tests.
"""

from __future__ import annotations

import os
import socket
import time

import pytest

REQUIRE_ENV = "HOSTKONTOR_REQUIRE_SERVICES"


def services_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def require_service(name: str, reason: str):
    """Skip (or, with ``HOSTKONTOR_REQUIRE_SERVICES=1``, fail) because ``name`` is
    unavailable. Never returns."""
    text = f"service {name!r} unavailable: {reason}"
    if services_required():
        pytest.fail(f"{text} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(text)


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port that was free a moment ago (the OS may reuse it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> bool:
    """True once ``host:port`` accepts TCP connections, False after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
