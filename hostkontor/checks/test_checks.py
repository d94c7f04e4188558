"""Function checks through the Django services, pages and command, against the real servers
of conftest.py (dovecot, aiosmtpd, pyftpdlib, MariaDB, http.server) on loopback."""

import json
import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hostkontor.checks.conftest import HOST, PASSWORD, USER, WRONG_PASSWORD
from hostkontor.core.models import AuditEvent
from hostkontor.core.scheduling import registered_jobs
from hostkontor.testing.factories import make_customer
from hostkontor.testing.queries import count_queries
from hostkontor.vault.crypto import Secret
from hostkontor.vault.services import EntryData, entry_update
from hostkontor.vault.testing import KEY_B, make_entry

from .models import Check, CheckRun
from .services import CONFIG_ERROR, check_create, check_run_now, checks_run, checks_run_due
from .tasks import run_due_checks

pytestmark = pytest.mark.django_db

CASES = [
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
    ("ftps", "starttls"),
    ("mysql", "none"),
    ("mysql", "implicit"),
    ("web", "none"),
    ("web", "implicit"),
]


@pytest.fixture(autouse=True)
def _keys(vault_keys):
    return vault_keys


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def server(request, tls_files, settings):
    """(service type, TLS mode) -> (port, user name, check values), starting only what's needed."""
    settings.CHECKS_CA_FILE = tls_files.ca_file

    def get(service_type: str, tls: str):
        if service_type in ("pop3", "imap"):
            dovecot = request.getfixturevalue("dovecot")
            return getattr(dovecot, service_type + ("s" if tls == "implicit" else "")), USER, {}
        if service_type == "smtp":
            smtp = request.getfixturevalue("smtp_servers")
            return (
                {"none": smtp.plain, "starttls": smtp.starttls, "implicit": smtp.implicit}[tls],
                USER,
                {},
            )
        if service_type in ("ftp", "ftps"):
            return request.getfixturevalue(f"{service_type}_server").port, USER, {}
        if service_type == "mysql":
            mysql = request.getfixturevalue("mysql_server")
            if tls != "none" and not mysql.server_tls:
                pytest.skip(mysql.server_tls_reason)
            if tls != "none":
                if mysql.ca_file is None:
                    pytest.skip("the MariaDB server certificate is not readable here to verify TLS")
                settings.CHECKS_CA_FILE = mysql.ca_file
                # the user with REQUIRE SSL: logs in only over TLS
                return mysql.port, mysql.ssl_user, {}
            return mysql.port, mysql.user, {"database": mysql.database}
        if service_type == "web":
            servers = request.getfixturevalue("http_servers")
            return (
                (servers.https if tls == "implicit" else servers.http),
                USER,
                {"path": "/private"},
            )
        raise AssertionError(service_type)

    return get


def entry_check(customer, service_type, tls, port, username, password=PASSWORD, **values):
    entry = make_entry(
        customer,
        password,
        service_type=service_type,
        tls_mode=tls,
        host=HOST,
        port=port,
        username=username,
    )
    return check_create(actor=None, entry=entry, values={"timeout": 5.0, **values})


@pytest.mark.services
@pytest.mark.parametrize(("service_type", "tls"), CASES)
def test_every_check_type_passes_against_its_real_server(service_type, tls, customer, server):
    # given an entry with the right credentials and a check on it
    port, username, values = server(service_type, tls)
    check = entry_check(customer, service_type, tls, port, username, **values)
    # when the check runs on demand
    run = check_run_now(actor=None, check=check)
    # then it passes and the check is ok
    assert (run.ok, run.category, run.message) == (True, "", run.message), run.message
    assert " OK" in run.message
    check.refresh_from_db()
    assert (check.last_state, check.last_category, check.kind) == (
        "ok",
        "",
        {"ftps": "ftp", "web": "http"}.get(service_type, service_type),
    )
    assert 0 <= run.latency_ms < 5000


@pytest.mark.services
@pytest.mark.parametrize(("service_type", "tls"), CASES)
def test_wrong_password_is_auth_failed_and_scrubbed(service_type, tls, customer, server):
    port, username, values = server(service_type, tls)
    check = entry_check(
        customer, service_type, tls, port, username, password=WRONG_PASSWORD, **values
    )
    run = check_run_now(actor=None, check=check)
    assert (run.ok, run.category) == (False, "auth_failed"), run.message
    stored = CheckRun.objects.get(pk=run.pk)
    assert WRONG_PASSWORD not in stored.message and WRONG_PASSWORD not in json.dumps(stored.details)
    assert Check.objects.get(pk=check.pk).last_state == "failing"


@pytest.mark.services
@pytest.mark.parametrize("service_type", ["pop3", "imap", "smtp", "ftp", "mysql", "web"])
def test_closed_port_is_connection_refused(service_type, customer, closed_port):
    check = entry_check(customer, service_type, "none", closed_port, USER)
    run = check_run_now(actor=None, check=check)
    assert (run.ok, run.category) == (False, "connection_refused"), run.message


@pytest.mark.services
def test_bad_certificate_is_tls_error(customer, http_servers, tls_files, settings):
    settings.CHECKS_CA_FILE = tls_files.ca_file
    check = entry_check(
        customer, "web", "implicit", http_servers.https_wrong_host, USER, path="/private"
    )
    run = check_run_now(actor=None, check=check)
    assert (run.ok, run.category) == (False, "tls_error"), run.message


@pytest.mark.services
def test_state_change_alerts_admins_once_per_change(
    customer, admin_user, technician_user, dovecot, tls_files, settings
):
    settings.CHECKS_CA_FILE = tls_files.ca_file
    check = entry_check(customer, "imap", "implicit", dovecot.imaps, USER)
    entry = check.entry
    data = EntryData(
        service_type="imap", host=HOST, port=dovecot.imaps, username=USER, tls_mode="implicit"
    )
    # the first result is the baseline: no mail
    assert check_run_now(actor=None, check=check).ok
    assert mail.outbox == []
    # ok -> failing: one mail to the admins
    entry_update(actor=None, entry=entry, data=data, password=Secret(WRONG_PASSWORD))
    check.entry.refresh_from_db()
    assert not check_run_now(actor=None, check=check).ok
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chef@example.com"]
    assert (
        mail.outbox[0].subject == f"[Hostkontor] Prüfung schlägt fehl: IMAP {USER}@{HOST} ({HOST})"
    )
    assert "auth_failed" in mail.outbox[0].body
    assert mail.outbox[0].body.startswith(
        f"Die Funktionsprüfung IMAP von {USER}@{HOST} hat sich von in Ordnung auf fehlerhaft "
        "geändert.\n"
    )
    assert WRONG_PASSWORD not in mail.outbox[0].body
    # failing again: no new mail
    assert not check_run_now(actor=None, check=check).ok
    assert len(mail.outbox) == 1
    # failing -> ok: one recovery mail
    entry_update(actor=None, entry=entry, data=data, password=Secret(PASSWORD))
    check.entry.refresh_from_db()
    assert check_run_now(actor=None, check=check).ok
    assert len(mail.outbox) == 2
    assert "hat sich von fehlerhaft auf in Ordnung geändert." in mail.outbox[1].body
    assert "Ergebnis: in Ordnung (" in mail.outbox[1].body
    assert (
        mail.outbox[1].subject
        == f"[Hostkontor] Prüfung wieder in Ordnung: IMAP {USER}@{HOST} ({HOST})"
    )
    assert Check.objects.get(pk=check.pk).last_state == "ok"


@pytest.mark.services
def test_due_checks_run_concurrently_within_one_timeout(customer, silent_port, settings):
    # given 40 due checks against a server that never answers, 0.5 s timeout each (standing in
    # for 40 hosts: the per-host cap is lifted since they share the loopback address)
    settings.CHECKS_PER_HOST = 40
    for i in range(40):
        entry = make_entry(
            customer, PASSWORD, service_type="pop3", host=HOST, port=silent_port, username=f"u{i}"
        )
        check_create(actor=None, entry=entry, values={"timeout": 0.5, "interval_minutes": 5})
    # when the scheduled run picks them up
    started = time.monotonic()
    runs = checks_run_due()
    elapsed = time.monotonic() - started
    # then all time out at about the same time, not one after the other
    assert len(runs) == 40
    assert {run.category for run in runs} == {"timeout"}
    assert elapsed < 5, elapsed
    # and they are not due again before their interval
    assert checks_run_due() == []
    later = timezone.now() + timedelta(minutes=5, seconds=1)
    assert Check.objects.filter(next_run_at__gt=later).count() == 0
    assert Check.objects.filter(next_run_at__lte=later).count() == 40


def test_disabled_checks_are_not_due(customer):
    entry = make_entry(customer, PASSWORD, service_type="pop3", host=HOST, port=1)
    check_create(actor=None, entry=entry, values={"enabled": False})
    assert checks_run_due() == []


def test_periodic_job_runs_every_minute():
    [job] = [job for job in registered_jobs() if job.name == "checks.run_due"]
    assert job.every == timedelta(minutes=1)
    assert job.task is run_due_checks
    assert run_due_checks.call() == {"checks": 0, "failing": 0}


def test_wrong_key_is_a_loud_config_error(customer, vault_keys):
    entry = make_entry(customer, PASSWORD, service_type="pop3", host=HOST, port=1)
    check = check_create(actor=None, entry=entry)
    vault_keys(KEY_B)
    run = check_run_now(actor=None, check=check)
    assert (run.ok, run.category) == (False, CONFIG_ERROR)
    assert run.message.startswith("vault: password cannot be decrypted (VaultKeyMissing:")
    assert entry.password_ciphertext not in run.message


def test_unsupported_entries_cannot_get_checks(customer):
    from hostkontor.core.errors import FieldErrors

    entry = make_entry(customer, PASSWORD, service_type="ssh", host=HOST)
    with pytest.raises(FieldErrors):
        check_create(actor=None, entry=entry)


@pytest.mark.services
def test_run_checks_command_json(customer, dovecot, closed_port, tls_files, settings):
    settings.CHECKS_CA_FILE = tls_files.ca_file
    entry_check(customer, "pop3", "implicit", dovecot.pop3s, USER)
    failing = entry_check(customer, "imap", "none", closed_port, USER)
    failing.entry.label = "Kaputtes Postfach"
    failing.entry.save()
    other = make_customer("K10002", "Andere GmbH")
    entry_check(other, "imap", "none", closed_port, USER)
    out = StringIO()
    # when run for one customer, then it exits 1 because one check fails
    with pytest.raises(SystemExit) as exit_info:
        call_command("run_checks", "--customer", "K10001", "--format", "json", stdout=out)
    assert exit_info.value.code == 1
    result = json.loads(out.getvalue())
    keys = ["entry", "type", "host", "ok", "category", "latency_ms"]
    keys += ["check_id", "kind", "port", "tls", "message"]
    assert [list(row) for row in result["checks"]] == [keys, keys]
    rows = sorted(result["checks"], key=lambda r: r["type"])
    latencies = [row.pop("latency_ms") for row in rows]
    assert all(isinstance(ms, int) and ms >= 0 for ms in latencies)
    assert list(result) == ["checks"]
    ok_check = Check.objects.get(entry__service_type="pop3")
    assert rows == [
        {
            "entry": "Kaputtes Postfach",
            "type": "imap",
            "host": HOST,
            "ok": False,
            "category": "connection_refused",
            "check_id": failing.pk,
            "kind": "imap",
            "port": closed_port,
            "tls": "none",
            "message": f"IMAP {HOST}:{closed_port}: connection_refused: connection refused",
        },
        {
            "entry": f"{USER}@{HOST}",
            "type": "pop3",
            "host": HOST,
            "ok": True,
            "category": None,
            "check_id": ok_check.pk,
            "kind": "pop3",
            "port": dovecot.pop3s,
            "tls": "implicit",
            "message": f"POP3 {HOST}:{dovecot.pop3s} OK (logged in as '{USER}')",
        },
    ]
    assert CheckRun.objects.count() == 2
    # and each manual run is audited, by the command line
    events = AuditEvent.objects.filter(action="check.run").order_by("object_id")
    assert [(e.object_id, e.actor_name, e.changes["via"]) for e in events] == [
        (str(ok_check.pk), "system", ["", "cli"]),
        (str(failing.pk), "system", ["", "cli"]),
    ]


@pytest.mark.services
def test_run_checks_command_exits_0_when_all_pass(customer, dovecot, tls_files, settings):
    settings.CHECKS_CA_FILE = tls_files.ca_file
    entry_check(customer, "imap", "implicit", dovecot.imaps, USER)
    out = StringIO()
    call_command("run_checks", stdout=out)  # no SystemExit
    assert out.getvalue().endswith("1 check(s), 0 failing\n")


def test_run_checks_command_text_and_unknown_customer(customer):
    from django.core.management import CommandError

    out = StringIO()
    call_command("run_checks", stdout=out)
    assert out.getvalue() == "0 check(s), 0 failing\n"
    with pytest.raises(CommandError, match="no customer with number 'K99999'"):
        call_command("run_checks", "--customer", "K99999")


# --- pages -------------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def work() -> None:
    """The database task worker runs what is enqueued, then stops."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


POLL = re.compile(r'hx-get="([^"]+)" hx-trigger="every 1s"')


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_run_button_enqueues_and_the_result_appears(customer, technician_user, closed_port):
    check = entry_check(customer, "ftp", "none", closed_port, USER)
    client = client_for(technician_user)
    html = client.get(reverse("vault:detail", args=[check.entry.pk])).content.decode()
    assert f'hx-post="{reverse("checks:run", args=[check.pk])}"' in html
    # when "Run now" is pressed: the answer comes at once, the check is only enqueued
    started = time.monotonic()
    response = client.post(reverse("checks:run", args=[check.pk]), HTTP_HX_REQUEST="true")
    assert time.monotonic() - started < 2.0
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'<div id="check-result-{check.pk}"' in html and 'data-state="pending"' in html
    assert CheckRun.objects.count() == 0
    [poll] = POLL.findall(html)
    # then polling shows "running" until the worker has run it, then the result
    assert 'data-state="pending"' in client.get(poll, HTTP_HX_REQUEST="true").content.decode()
    work()
    html = client.get(poll, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="done"' in html and 'data-ok="false"' in html and "hx-get" not in html
    assert "Verbindung abgelehnt <code>connection_refused</code>" in html
    # and the run was audited with who asked for it
    event = AuditEvent.objects.get(action="check.run")
    assert (event.actor_name, event.object_id, event.changes["via"]) == (
        "techniker",
        str(check.pk),
        ["", "button"],
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_hub_panel_and_run_all(customer, admin_client, closed_port):
    check = entry_check(customer, "smtp", "none", closed_port, USER)
    check_run_now(actor=None, check=check)
    other = entry_check(customer, "pop3", "none", closed_port, USER)
    html = admin_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="hub-checks"' in html
    assert "2 Prüfungen · " in html and "1 fehlerhaft" in html
    # when "Run all now" is pressed: enqueued, every row "running"
    response = admin_client.post(
        reverse("checks:customer_run", args=[customer.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'data-testid="customer-check-results"' in html and 'data-state="pending"' in html
    assert html.count('data-ok=""') == 2
    assert CheckRun.objects.filter(check_ref=check).count() == 1
    [poll] = POLL.findall(html)
    # then after the worker ran, the poll shows both results and stops polling
    work()
    html = admin_client.get(poll, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="done"' in html and html.count('data-ok="false"') == 2
    assert "hx-get" not in html
    assert CheckRun.objects.filter(check_ref=check).count() == 2
    assert CheckRun.objects.filter(check_ref=other).count() == 1
    runs = AuditEvent.objects.filter(action="check.run", changes__via=["", "run_all"])
    assert sorted(int(e.object_id) for e in runs) == [check.pk, other.pk]


def test_polling_someone_elses_task_is_404(customer, admin_client):
    entry = make_entry(customer, PASSWORD, service_type="pop3", host="pop.example.net")
    check = check_create(actor=None, entry=entry)
    result = run_due_checks.enqueue()
    url = reverse("checks:run_progress", args=[check.pk, result.id])
    assert admin_client.get(url).status_code == 404
    bogus = reverse("checks:run_progress", args=[check.pk, "not-a-task"])
    assert admin_client.get(bogus).status_code == 404


def test_dashboard_lists_failing_checks(customer, admin_client, billing_user):
    entry = make_entry(customer, PASSWORD, service_type="pop3", host="pop.example.net")
    failing = check_create(actor=None, entry=entry)
    Check.objects.filter(pk=failing.pk).update(
        last_state="failing", last_category="auth_failed", last_message="POP3 login rejected"
    )
    ok_entry = make_entry(customer, PASSWORD, service_type="imap", host="imap.example.net")
    ok = check_create(actor=None, entry=ok_entry)
    Check.objects.filter(pk=ok.pk).update(last_state="ok")
    response = admin_client.get(reverse("checks:dashboard"))
    assert [c.pk for c in response.context["checks"]] == [failing.pk]
    html = response.content.decode()
    assert (
        "pop.example.net" in html and "imap.example.net" not in html and "Funktionsprüfung" in html
    )
    assert client_for(billing_user).get(reverse("checks:dashboard")).status_code == 403
    assert client_for(billing_user).post(reverse("checks:run", args=[ok.pk])).status_code == 403


def test_check_pages_run_a_fixed_number_of_queries(customer, admin_client):
    # given one failing check with a run, then 30 more checks (two customers) with runs
    def add_check(owner, i):
        entry = make_entry(owner, PASSWORD, service_type="pop3", host=f"pop{i}.example.net")
        check = check_create(actor=None, entry=entry)
        Check.objects.filter(pk=check.pk).update(last_state="failing", last_category="timeout")
        CheckRun.objects.create(check_ref=check, ok=False, category="timeout", message="x")
        return check

    first = add_check(customer, 0)
    urls = [
        reverse("checks:dashboard"),
        reverse("checks:dashboard") + "?state=all",
        reverse("checks:detail", args=[first.pk]),
        reverse("vault:detail", args=[first.entry.pk]),
        reverse("customers:detail", args=[customer.pk]),
    ]
    few = [count_queries(admin_client, url) for url in urls]
    other = make_customer("K10002", "Andere GmbH")
    for i in range(1, 31):
        check = add_check(other if i % 2 else customer, i)
        CheckRun.objects.create(check_ref=first, ok=True, message="ok")
        check_create(actor=None, entry=check.entry, values={"enabled": i % 3 != 0})
    # when the pages are opened again, then they cost the same number of queries
    assert [count_queries(admin_client, url) for url in urls] == few


def test_create_check_through_the_form(customer, technician_user):
    entry = make_entry(
        customer, PASSWORD, service_type="web", host="www.example.net", tls_mode="implicit"
    )
    response = client_for(technician_user).post(
        reverse("checks:create", args=[entry.pk]),
        {
            "enabled": "on",
            "interval_minutes": "10",
            "timeout": "8",
            "path": "/login",
            "expected_status": "200",
            "min_cert_days": "14",
            "verify_tls": "on",
        },
    )
    assert response.status_code == 302
    check = Check.objects.get()
    assert (check.kind, check.path, check.min_cert_days, check.interval_minutes) == (
        "http",
        "/login",
        14,
        10,
    )
    assert check.next_run_at is not None


def test_checks_run_keeps_order_and_handles_config_errors(customer):
    ssh_like = make_entry(customer, PASSWORD, service_type="pop3", host=HOST, port=1)
    check = check_create(actor=None, entry=ssh_like, values={"timeout": 1.0})
    runs = checks_run([check])
    assert len(runs) == 1 and runs[0].check_ref_id == check.pk
