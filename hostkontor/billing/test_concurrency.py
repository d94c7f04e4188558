"""Two runs at once, and issuing at once, against the real database (PostgreSQL in CI)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .models import Invoice, InvoiceLine
from .runs import billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(target, count: int) -> list:
    """Run ``target`` in ``count`` threads released at the same moment; return results/errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # reported to the test below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_concurrent_runs_bill_every_period_exactly_once():
    # given 40 customers with one quarterly contract each, due at the start
    for i in range(40):
        make_contract(make_customer(number=f"K{i:05d}"), f"V-{i:05d}", setup_fee=Decimal("10.00"))
    # when two runs for the same date start at the same moment (small batches interleave)
    results = in_threads(
        lambda i: len(
            billing_run_execute(
                run=billing_run_create(actor=None, run_date=date(2003, 1, 20)), batch_size=5
            )
        ),
        2,
    )
    # then neither failed, together they made one invoice per customer, and no line twice
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(results) == 40
    assert Invoice.objects.count() == 40
    assert InvoiceLine.objects.filter(kind="period").count() == 40
    assert InvoiceLine.objects.filter(kind="setup").count() == 40


def test_database_vendor_is_reported(record_property):
    record_property("database", connection.vendor)
    assert connection.vendor in {"sqlite", "postgresql"}


def test_concurrent_issuing_gives_gapless_increasing_numbers():
    from .invoices import invoice_issue

    # given 12 drafts of 12 customers and a complete seller profile
    make_seller_profile()
    for i in range(12):
        make_contract(make_customer(number=f"K{i:05d}"), f"V-{i:05d}")
    drafts = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    ids = [d.pk for d in drafts]
    # when four threads issue three drafts each at the same time
    results = in_threads(
        lambda t: [invoice_issue(actor=None, invoice=Invoice(pk=pk)).number for pk in ids[t::4]],
        4,
    )
    # then every number of the range is used exactly once, and in the order of issue
    assert [r for r in results if isinstance(r, Exception)] == []
    numbers = sorted(n for chunk in results for n in chunk)
    year = timezone.localdate().year  # the year of issue, not of the billing date
    assert numbers == [f"RE-{year}-{i:05d}" for i in range(1, 13)]
    by_issue_time = list(
        Invoice.objects.order_by("issued_at", "number").values_list("number", flat=True)
    )
    assert by_issue_time == numbers
