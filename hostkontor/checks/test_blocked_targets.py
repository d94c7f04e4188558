"""The SSRF guard and the per-host cap through the Django services, with the settings an
installation sets (``CHECKS_ALLOWED_NETWORKS``, ``CHECKS_PER_HOST``)."""

import pytest
from django.urls import reverse

from hostkontor.testing.factories import make_customer
from hostkontor.vault.testing import make_entry

from .conftest import HOST, PASSWORD, USER
from .models import Check
from .services import CONFIG_ERROR, check_create, check_run_now, checks_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys(vault_keys):
    return vault_keys


def pop3_check(customer, host, port, **values):
    entry = make_entry(customer, PASSWORD, service_type="pop3", host=host, port=port, username=USER)
    return check_create(actor=None, entry=entry, values={"timeout": 2.0, **values})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_without_the_allowlist_loopback_is_refused_without_a_connection(
    host, settings, counting_pop3, admin_client
):
    # given the default settings (no internal network allowed) and a server on loopback
    settings.CHECKS_ALLOWED_NETWORKS = ""
    server = counting_pop3("::1" if host == "::1" else HOST)
    check = pop3_check(make_customer(), host, server.port)
    # when the check runs
    run = check_run_now(actor=None, check=check)
    # then it is refused as blocked_target and the server saw no connection
    assert (run.ok, run.category, server.total) == (False, "blocked_target", 0)
    assert "an internal address (loopback)" in run.message
    assert Check.objects.get(pk=check.pk).last_state == "failing"
    # and the pages name the reason in the user's language
    html = admin_client.get(reverse("checks:detail", args=[check.pk])).content.decode()
    assert "gesperrt: interne Adresse <code>blocked_target</code>" in html


def test_the_allowlist_opens_exactly_its_networks(settings, counting_pop3):
    server = counting_pop3()
    check = pop3_check(make_customer(), HOST, server.port)
    settings.CHECKS_ALLOWED_NETWORKS = "10.0.0.0/8, 127.0.0.2"
    assert check_run_now(actor=None, check=check).category == "blocked_target"
    settings.CHECKS_ALLOWED_NETWORKS = "10.0.0.0/8, 127.0.0.1"
    assert check_run_now(actor=None, check=check).ok
    assert server.total == 1


def test_a_bad_allowlist_is_a_clear_config_error(settings):
    settings.CHECKS_ALLOWED_NETWORKS = "10.0.0.0/8,intranet"
    check = pop3_check(make_customer(), "pop.example.net", 110)
    run = check_run_now(actor=None, check=check)
    assert (run.category, run.message) == (
        CONFIG_ERROR,
        "check cannot run: not an IP address or network: 'intranet'",
    )


def test_checks_per_host_setting_caps_a_batch(settings, counting_pop3):
    # given 20 checks against one server and at most 2 per host
    settings.CHECKS_PER_HOST = 2
    server = counting_pop3(delay=0.1)
    customer = make_customer()
    checks = [pop3_check(customer, HOST, server.port) for _ in range(20)]
    # when the batch runs, then the server never served more than 2 at once
    runs = checks_run(checks)
    assert [run.ok for run in runs] == [True] * 20
    assert (server.total, server.peak) == (20, 2)


def test_bad_settings_fail_manage_py_check(settings):
    from django.core.checks import run_checks

    settings.CHECKS_ALLOWED_NETWORKS = "10.0.0.0/8,intranet"
    settings.CHECKS_PER_HOST = 0
    messages = [(e.id, e.msg) for e in run_checks() if e.id.startswith("checks.")]
    assert messages == [
        (
            "checks.E001",
            "HOSTKONTOR_CHECKS_ALLOWED_NETWORKS: not an IP address or network: 'intranet'",
        ),
        ("checks.E002", "HOSTKONTOR_CHECKS_PER_HOST must be at least 1"),
    ]
