"""The automatic mode end to end: scheduler tick → database worker → issued and mailed."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hostkontor.core.models import ScheduledRun
from hostkontor.core.scheduling import scheduler_tick
from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .models import BillingRun, Invoice, SellerProfile


def tick_and_work() -> None:
    scheduler_tick(now=timezone.now())
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_automatic_mode_creates_issues_and_sends_through_scheduler_and_worker():
    # given automatic billing switched on and a contract due today
    make_seller_profile(auto_billing=True)
    today = timezone.localdate()
    customer = make_customer(email="rechnung@dmmd.example")
    make_contract(customer, "V-1", start=today, setup_fee=Decimal("39.00"))

    # when the scheduler ticks and the database worker runs what it enqueued
    tick_and_work()

    # then one automatic run billed, issued and mailed the invoice for today
    assert ScheduledRun.objects.filter(job="billing.automatic").count() == 1
    run = BillingRun.objects.get()
    assert (run.automatic, run.run_date, run.status, run.invoices_created) == (
        True,
        today,
        "done",
        1,
    )
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.number, invoice.invoice_date, invoice.gross_total) == (
        "sent",
        f"RE-{today.year}-00001",
        today,
        Decimal("114.24"),
    )
    assert invoice.sent_at is not None and invoice.send_attempts == 1
    assert [(m.to, [a[0] for a in m.attachments]) for m in mail.outbox] == [
        (["rechnung@dmmd.example"], [f"RE-{today.year}-00001.pdf"])
    ]

    # and a second tick in the same slot bills and sends nothing more
    tick_and_work()
    assert (BillingRun.objects.count(), Invoice.objects.count(), len(mail.outbox)) == (1, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_automatic_mode_switched_off_bills_nothing():
    # given automatic billing off (the default) and a contract due today
    SellerProfile.objects.create(company="Agentur Kahl GmbH")
    make_contract(make_customer(), "V-1", start=timezone.localdate())

    # when the scheduler ticks and the worker runs
    tick_and_work()

    # then the job ran but created no run, no invoice and no mail
    assert ScheduledRun.objects.filter(job="billing.automatic").count() == 1
    assert (BillingRun.objects.count(), Invoice.objects.count(), len(mail.outbox)) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_next_automatic_run_issues_drafts_an_earlier_one_left():
    from datetime import timedelta

    from .runs import billing_run_create, billing_run_execute
    from .tasks import execute_billing_run

    # given an automatic run of yesterday that created a draft but died before issuing it
    make_seller_profile(auto_billing=True)
    today = timezone.localdate()
    make_contract(make_customer(email="a@dmmd.example"), "V-1", start=today - timedelta(days=1))
    earlier = billing_run_create(
        actor=None, run_date=today - timedelta(days=1), issue=True, send=True, automatic=True
    )
    [left] = billing_run_execute(run=earlier)
    # when today's automatic run executes (nothing new is due)
    run = billing_run_create(actor=None, run_date=today, issue=True, send=True, automatic=True)
    execute_billing_run.call(run.pk)
    # then yesterday's draft is issued and sent
    left.refresh_from_db()
    assert (left.status, left.number) == ("sent", f"RE-{today.year}-00001")
    assert [m.to for m in mail.outbox] == [["a@dmmd.example"]]
