"""`manage.py start` as `make run` runs it: what it prints, and how it starts gunicorn."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from .test_deploy_settings import production_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_cmdlines(pid: int) -> list[list[str]]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0") for child in children]


def run_start(env: dict, output: Path) -> tuple[str, list[list[str]]]:
    """Run `start` until it is up, then stop it with Ctrl-C; its output and its children."""
    bind = f"127.0.0.1:{free_port()}"
    args = [sys.executable, "manage.py", "start", "--workers", "1", "--bind", bind]
    with output.open("w") as out:
        process = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while "Stop with Ctrl-C." not in output.read_text():
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.5)
        children = children_cmdlines(process.pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return output.read_text(), children


def start_env(tmp_path: Path, production: bool) -> dict:
    """Always SQLite under tmp_path: `start` migrates, and must never touch a shared database."""
    if production:
        env = production_env(tmp_path / "var", HOSTKONTOR_SSL_REDIRECT="0")
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTKONTOR_")}
        env.update(HOSTKONTOR_VAR_DIR=str(tmp_path / "var"), SECRET_KEY="dev-" + "k" * 40)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DATABASE_URL", None)
    env["HOSTKONTOR_WEB_TIMEOUT"] = "45"
    return env


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_start_never_prints_the_admin_password_and_sets_the_web_timeout(tmp_path, production):
    # given a fresh installation
    env = start_env(tmp_path, production)
    # when `start` runs and is stopped with Ctrl-C
    output, children = run_start(env, tmp_path / "start.log")
    # then it says where the admin password is stored, but never prints the password
    password = (tmp_path / "var" / "admin-password").read_text().strip()
    assert len(password) >= 16
    assert password not in output
    assert f"Log in as admin with the password stored in {tmp_path}/var/admin-password\n" in output
    # and gunicorn runs with the explicit timeout, which the banner states
    assert "Web: 1 gunicorn workers, timeout 45 s\n" in output
    gunicorn = next(cmd for cmd in children if "gunicorn" in cmd)
    assert gunicorn[gunicorn.index("--timeout") + 1] == "45"
    # and in production no key file was generated next to the data
    generated = {"secret_key", "vault.keys"} & {p.name for p in (tmp_path / "var").iterdir()}
    assert generated == (set() if production else {"vault.keys"})
    # and the real install starts empty: no demo data, no demo database
    assert table_counts(tmp_path / "var" / "hostkontor.sqlite3") == {
        "customers_customer": 0,
        "billing_invoice": 0,
    }
    assert not (tmp_path / "var" / "demo.sqlite3").exists()
    assert "To try Hostkontor with demo data: make demo (its own database)\n" in output


def table_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return {
            "customers_customer": connection.execute(
                "SELECT count(*) FROM customers_customer"
            ).fetchone()[0],
            "billing_invoice": connection.execute(
                "SELECT count(*) FROM billing_invoice"
            ).fetchone()[0],
        }


def test_demo_mode_starts_on_its_own_database_with_demo_documents(tmp_path):
    # given a fresh installation started as the demo (`make demo`)
    env = start_env(tmp_path, production=False)
    env["HOSTKONTOR_DEMO"] = "1"
    # when `start` runs and is stopped with Ctrl-C
    output, _children = run_start(env, tmp_path / "start.log")
    # then the demo data went into the demo's own database, and the real one was never made
    demo_database = tmp_path / "var" / "demo.sqlite3"
    assert f"Database: {demo_database} · " in output
    assert "DEMO mode: demo data in its own database, marked Demo on every page and " in output
    assert not (tmp_path / "var" / "hostkontor.sqlite3").exists()
    assert table_counts(demo_database) == {"customers_customer": 50, "billing_invoice": 29}
    # and its issued documents are numbered in the demo's own ranges only
    with sqlite3.connect(demo_database) as connection:
        numbers = [
            row[0]
            for row in connection.execute(
                "SELECT number FROM billing_invoice WHERE number IS NOT NULL ORDER BY number"
            )
        ]
    assert len(numbers) == 12
    assert all(number.startswith("DEMO-RE-") for number in numbers), numbers
