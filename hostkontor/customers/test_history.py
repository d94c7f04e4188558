"""The history on the customer page: each role reads only the events of apps it may see."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from hostkontor.billing.invoices import invoice_issue
from hostkontor.billing.models import Invoice
from hostkontor.billing.runs import billing_run_create, billing_run_execute
from hostkontor.testing.factories import make_contract, make_seller_profile
from hostkontor.vault.services import EntryData, entry_update
from hostkontor.vault.sheets import sheet_create
from hostkontor.vault.testing import make_entry, vault_keys  # noqa: F401 (fixture)

from .services import CustomerData, customer_create

pytestmark = pytest.mark.django_db

NOTE = "Schlüssel im Tresor, PIN 4711"


def page_for(user, customer):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    return response


def history_of(response) -> list[tuple[str, str]]:
    return [(event.action, event.object_type) for event in response.context["history"]]


@pytest.fixture
def customer(admin_user):
    return customer_create(actor=admin_user, data=CustomerData(company="Hilter Hosting GmbH"))


def test_billing_sees_no_vault_events_on_the_customer_page(customer, admin_user, billing_user):
    # given a password entry created, moved to another host and put on an access-data sheet
    entry = make_entry(customer, actor=admin_user, host="mail.example.net", username="info@x.de")
    data = EntryData(service_type="imap", host="imap.example.org", username="info@x.de")
    entry_update(actor=admin_user, entry=entry, data=data)
    sheet_create(actor=admin_user, customer=customer, entries=[entry])
    # when Billing opens the customer page
    response = page_for(billing_user, customer)
    # then it reads the customer's own history and nothing of the vault
    assert history_of(response) == [("customer.created", "customers.customer")]
    html = response.content.decode()
    assert "example.net" not in html and "imap.example.org" not in html and "info@x.de" not in html
    # and Admin, who may see the vault, reads all of it
    assert history_of(page_for(admin_user, customer)) == [
        ("vault.sheet_created", "customers.customer"),
        ("vault.entry_updated", "vault.vaultentry"),
        ("vault.entry_created", "vault.vaultentry"),
        ("customer.created", "customers.customer"),
    ]


def test_technician_sees_no_invoice_events_on_the_customer_page(
    customer, admin_user, technician_user
):
    # given an issued invoice of the customer
    make_seller_profile()
    make_contract(customer, "V-1")
    billing_run_execute(run=billing_run_create(actor=admin_user, run_date=date(2003, 1, 20)))
    invoice = invoice_issue(actor=admin_user, invoice=Invoice.objects.get())
    admin_history = history_of(page_for(admin_user, customer))
    assert ("invoice.issued", "billing.invoice") in admin_history
    # when the Technician opens the customer page
    response = page_for(technician_user, customer)
    # then no billing event is listed, nor the invoice number
    assert history_of(response) == [("customer.created", "customers.customer")]
    assert invoice.number not in response.content.decode()


@pytest.mark.usefixtures("vault_keys")
def test_vault_notes_never_show_in_the_history_even_for_admin(customer, admin_user):
    # given an entry created with a note, whose note changed alone, then with its host
    entry = make_entry(customer, "Geheim-Postfach-1", actor=admin_user, notes=NOTE)
    fields = {"service_type": "imap", "username": "info@example.net"}
    entry = entry_update(
        actor=admin_user,
        entry=entry,
        data=EntryData(host="mail.example.net", notes="PIN jetzt 0815", **fields),
    )
    entry_update(
        actor=admin_user,
        entry=entry,
        data=EntryData(host="imap.example.org", notes="PIN wieder 4711", **fields),
    )
    # when Admin opens the customer page
    response = page_for(admin_user, customer)
    # then the note-only change is not listed and no note or password marker is shown
    history = response.context["history"]
    assert [(e.action, sorted(e.changes)) for e in history] == [
        ("vault.entry_updated", ["host"]),
        ("vault.entry_created", ["host", "service_type", "tls_mode", "username"]),
        ("customer.created", sorted(history[-1].changes)),
    ]
    html = response.content.decode()
    assert "4711" not in html and "0815" not in html
