"""The invoice status rules live on the model; the page's buttons and the services ask them."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .invoices import invoice_cancel, invoice_issue, invoice_mark_paid
from .models import BillingRun, Invoice
from .runs import billing_run_create, billing_run_execute

S, K = Invoice.Status, Invoice.Kind


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (K.INVOICE, S.DRAFT, (False, False, False)),
        (K.INVOICE, S.ISSUED, (True, True, True)),
        (K.INVOICE, S.SENT, (True, True, True)),
        (K.INVOICE, S.PAID, (False, True, True)),
        (K.INVOICE, S.CANCELLED, (False, False, False)),
        (K.CREDIT_NOTE, S.DRAFT, (False, False, False)),
        (K.CREDIT_NOTE, S.ISSUED, (False, False, True)),
        (K.CREDIT_NOTE, S.SENT, (False, False, True)),
    ],
)
def test_open_cancellable_and_sendable_follow_kind_and_status(kind, status, expected):
    # given an invoice of a kind in a status
    invoice = Invoice(kind=kind, status=status)
    # when its rules are asked / then: open (can be paid), can be cancelled, can be sent
    assert (invoice.is_open, invoice.can_be_cancelled, invoice.can_be_sent) == expected


@pytest.mark.parametrize(
    ("status", "pending"),
    [(s, s in (BillingRun.Status.QUEUED, BillingRun.Status.RUNNING)) for s in BillingRun.Status],
)
def test_a_billing_run_is_pending_while_queued_or_running(status, pending):
    assert BillingRun(status=status).is_pending is pending


def actions(client, invoice: Invoice) -> list[str]:
    """The names of the action URLs the invoice page offers (send, paid, cancel, …)."""
    html = client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    box = html.split('data-testid="invoice-actions">', 1)[1].split("</div>", 1)[0]
    return [url.rstrip("/").rsplit("/", 1)[1] for url in re.findall(r'action="([^"]+)"', box)]


@pytest.mark.django_db
def test_the_invoice_page_offers_what_the_services_allow(admin_client):
    # given an issued invoice
    make_seller_profile()
    make_contract(make_customer(), "V-1")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    today = timezone.localdate()
    invoice = invoice_issue(actor=None, invoice=draft, on=today)
    # then it can be sent, marked paid and cancelled
    assert actions(admin_client, invoice) == ["send", "paid", "cancel"]
    # when it is paid, it can still be sent and cancelled, not paid again
    invoice = invoice_mark_paid(actor=None, invoice=invoice, paid_on=today)
    assert actions(admin_client, invoice) == ["send", "cancel"]
    # when it is cancelled, nothing is offered; its cancellation invoice can only be sent
    credit = invoice_cancel(actor=None, invoice=invoice, on=today)
    invoice.refresh_from_db()
    assert actions(admin_client, invoice) == []
    assert actions(admin_client, credit) == ["send"]
