"""Done-when: a known password is found nowhere in clear -- not in pages, search results,
error pages, exception reports, logs, mails, nor in the database (tables and file)."""

import logging
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter

from hostkontor.customers.models import ContactPerson
from hostkontor.testing.factories import make_customer

from . import rotation
from .models import VaultEntry
from .testing import make_entry

PASSWORD = "Zebra#Kohlrabi-9Q7x"  # the known password: must never show up in clear
NEW_PASSWORD = "Pinguin#Radieschen-4W2k"
CRASH_PASSWORD = "Drachen#Pastinake-8M3v"
SECRETS = (PASSWORD, NEW_PASSWORD, CRASH_PASSWORD)

VAULT_TABLES = [
    "vault_vaultentry",
    "vault_vaultpasswordhistory",
    "vault_sheetbatchitem",
    "core_auditevent",
    "django_session",
]


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def table_dump() -> str:
    rows = []
    with connection.cursor() as cursor:
        for table in VAULT_TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def database_file_bytes() -> bytes:
    """The SQLite file with its WAL (empty on PostgreSQL, where the table dump stands in)."""
    if connection.vendor != "sqlite":
        return b""
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())


@pytest.mark.django_db(transaction=True)
def test_known_password_is_nowhere_in_clear(admin_user, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # log every SQL statement with its parameters
    client = Client()
    client.force_login(admin_user)
    customer = make_customer()
    ContactPerson.objects.create(
        customer=customer, last_name="Meyer", email="meyer@example.com", is_technical=True
    )
    pages: dict[str, str] = {}

    def page(name, response, status=200):
        assert response.status_code == status, (name, response.status_code)
        pages[name] = response.content.decode()
        return pages[name]

    try:
        # given an entry created through the form with the known password
        response = client.post(
            reverse("vault:create", args=[customer.pk]),
            {
                "service_type": "imap",
                "label": "Info-Postfach",
                "host": "mail.example.net",
                "tls_mode": "implicit",
                "username": "info@example.net",
                "password": PASSWORD,
                "tags": "mail",
            },
        )
        assert response.status_code == 302
        entry = VaultEntry.objects.get()
        # when every page around it is opened
        page("list", client.get(reverse("vault:list")))
        page("list-htmx", client.get(reverse("vault:list"), {"q": "info"}, HTTP_HX_REQUEST="true"))
        # searching for the password finds nothing (the search box echoes the query itself;
        # the user's own search term would be in SQL debug logs, so those are off here)
        connection.force_debug_cursor = False
        response = client.get(reverse("vault:list"), {"q": PASSWORD})
        assert response.context["page"].paginator.count == 0
        page("search-password", response)
        pages["search-password"] = pages["search-password"].replace(f'value="{PASSWORD}"', "")
        response = client.get(reverse("customers:list"), {"q": PASSWORD})
        assert response.context["page"].paginator.count == 0
        pages["customer-search"] = page("customer-search", response).replace(
            f'value="{PASSWORD}"', ""
        )
        connection.force_debug_cursor = True
        page("detail", client.get(reverse("vault:detail", args=[entry.pk])))
        page("edit-form", client.get(reverse("vault:edit", args=[entry.pk])))
        page("hub", client.get(reverse("customers:detail", args=[customer.pk])))
        page("checks", client.get(reverse("checks:dashboard")))
        # and the password is changed (the old one moves to the history)
        response = client.post(
            reverse("vault:edit", args=[entry.pk]),
            {
                "service_type": "imap",
                "label": "Info-Postfach",
                "host": "mail.example.net",
                "tls_mode": "implicit",
                "username": "info@example.net",
                "password": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        page("detail-after-change", client.get(reverse("vault:detail", args=[entry.pk])))
        page("audit", client.get(reverse("vault:audit")))
        # and an access-data sheet is mailed and one downloaded
        page(
            "sheet-mail",
            client.post(
                reverse("vault:sheet", args=[customer.pk]),
                {"entries": [entry.pk], "delivery": "email", "contact": customer.contacts.get().pk},
            ),
        )
        page(
            "sheet-download",
            client.post(
                reverse("vault:sheet", args=[customer.pk]),
                {"service_type": "imap", "delivery": "download"},
            ),
        )
        # and a request with a password crashes (the error page and the admins' report)
        client.raise_request_exception = False

        def crash(*args, **kwargs):
            raise RuntimeError("disk on fire")

        original_seal = rotation.seal
        from . import services

        services.seal = crash
        try:
            page(
                "error-500",
                client.post(
                    reverse("vault:edit", args=[entry.pk]),
                    {
                        "service_type": "imap",
                        "host": "mail.example.net",
                        "tls_mode": "implicit",
                        "password": CRASH_PASSWORD,
                    },
                ),
                status=500,
            )
        finally:
            services.seal = original_seal
        # positive control: the audited reveal is the one place the (new) password appears
        revealed = client.post(
            reverse("vault:reveal", args=[entry.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert NEW_PASSWORD in revealed
    finally:
        connection.force_debug_cursor = False

    # then no page shows a password in clear
    assert {name: leaks(html) for name, html in pages.items() if leaks(html)} == {}
    assert "v1:testA:" not in "".join(pages.values())
    # and the exception report (as mailed to admins by AdminEmailHandler) hides it
    crash_record = next(r for r in caplog.records if r.name == "django.request" and r.exc_info)
    reporter = ExceptionReporter(crash_record.request, *crash_record.exc_info)
    report = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "disk on fire" in report
    assert "password = '********************'" in report  # sensitive_post_parameters at work
    assert leaks(report) == []
    # and no log record holds it (SQL statements with parameters included)
    assert any(r.name == "django.db.backends" for r in caplog.records)
    log_text = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'params', '')!r} {getattr(r, 'sql', '')!r}"
        for r in caplog.records
    )
    assert leaks(log_text) == []
    # and the mail carries only the encrypted PDF
    assert len(mail.outbox) == 1
    assert leaks(mail.outbox[0].message().as_string()) == []
    # and the database holds tokens only: rows of the vault and audit tables, and the file
    dump = table_dump()
    assert "v1:testA:" in dump
    assert leaks(dump) == []
    raw = database_file_bytes()
    assert [s for s in SECRETS if s.encode() in raw] == []
    if raw:
        assert b"mail.example.net" in raw  # the grep sees what is stored in clear


def crash_page(client, url: str, data: dict) -> str:
    response = client.post(url, data)
    assert response.status_code == 500
    return response.content.decode()


def crash_report(caplog) -> str:
    """The exception report of the last crash, as the admins' mail (HTML and text) has it."""
    record = [r for r in caplog.records if r.name == "django.request" and r.exc_info][-1]
    reporter = ExceptionReporter(record.request, *record.exc_info)
    return reporter.get_traceback_text() + reporter.get_traceback_html()


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.django_db
def test_error_page_of_a_crashing_password_change_hides_it(
    debug, admin_user, settings, monkeypatch, caplog
):
    # given DEBUG off or on, and an entry whose new password crashes while it is sealed
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    entry = make_entry(make_customer(), PASSWORD)
    from . import services

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "seal", crash)
    # when the form is posted with a new password
    html = crash_page(
        client,
        reverse("vault:edit", args=[entry.pk]),
        {
            "service_type": "imap",
            "host": "h.example.net",
            "tls_mode": "none",
            "password": CRASH_PASSWORD,
        },
    )
    # then neither the error page (Django's technical page with DEBUG on) nor the report has it
    assert ("disk on fire" in html) is debug
    assert leaks(html) == []
    report = crash_report(caplog)
    assert "password = '********************'" in report
    assert leaks(report) == []


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.django_db
def test_error_page_of_a_crashing_sheet_hides_the_passwords(
    debug, admin_user, settings, monkeypatch, caplog
):
    # given DEBUG off or on, and a PDF renderer that crashes while it holds the sheet's HTML
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    customer = make_customer()
    entry = make_entry(customer, PASSWORD)
    import weasyprint

    def broken_renderer(string, **kwargs):
        raise RuntimeError("renderer on fire")

    monkeypatch.setattr(weasyprint, "HTML", broken_renderer)
    # when a sheet with the entry is created
    html = crash_page(
        client,
        reverse("vault:sheet", args=[customer.pk]),
        {"entries": [entry.pk], "delivery": "download"},
    )
    # then the page and the report show the crash, but not the password (nor the sheet's HTML)
    assert ("renderer on fire" in html) is debug
    assert leaks(html) == []
    report = crash_report(caplog)
    assert "renderer on fire" in report
    assert leaks(report) == []
