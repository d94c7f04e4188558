"""The database itself refuses changes to issued invoices (triggers of migration 0002)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from hostkontor.testing.factories import make_contract, make_customer

from .models import Invoice, InvoiceLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued():
    customer = make_customer()
    contract = make_contract(customer, "V-1")
    invoice = Invoice.objects.create(
        customer=customer, run_date=date(2026, 12, 1), net_total=Decimal("57.00")
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        position=1,
        kind="period",
        contract=contract,
        description="Quartal",
        period_start=date(2026, 12, 1),
        period_end=date(2027, 2, 28),
        quantity=1,
        net=Decimal("57.00"),
        tax_rate=Decimal("19.00"),
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        status="issued", number="RE-2026-00001", invoice_date=date(2026, 12, 1)
    )
    return Invoice.objects.get(pk=invoice.pk)


def refused(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except DatabaseError as error:
        return "immutable" in str(error)
    return False


def test_money_and_snapshot_fields_of_an_issued_invoice_cannot_change(issued):
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(net_total=Decimal("1.00")))
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(address="Woanders 1"))
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(number="RE-2026-00002"))
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(status="draft"))
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).delete())
    assert Invoice.objects.get(pk=issued.pk).net_total == Decimal("57.00")


def test_lines_of_an_issued_invoice_cannot_change_appear_or_vanish(issued):
    line = issued.lines.get()
    assert refused(lambda: InvoiceLine.objects.filter(pk=line.pk).update(net=Decimal("0.01")))
    assert refused(lambda: InvoiceLine.objects.filter(pk=line.pk).delete())
    assert refused(
        lambda: InvoiceLine.objects.create(
            invoice=issued,
            position=2,
            kind="item",
            description="x",
            quantity=1,
            net=Decimal("1.00"),
            tax_rate=0,
        )
    )
    assert refused(lambda: InvoiceLine.objects.filter(pk=line.pk).update(bills=False)) is False
    assert refused(lambda: InvoiceLine.objects.filter(pk=line.pk).update(bills=True))


def test_status_may_move_on_and_save_of_unchanged_fields_is_allowed(issued):
    Invoice.objects.filter(pk=issued.pk).update(status="sent")
    invoice = Invoice.objects.get(pk=issued.pk)
    invoice.send_attempts = 1
    invoice.save()  # writes every column with its unchanged value
    assert Invoice.objects.get(pk=issued.pk).status == "sent"


def test_drafts_stay_editable():
    customer = make_customer()
    draft = Invoice.objects.create(customer=customer, run_date=date(2026, 12, 1))
    Invoice.objects.filter(pk=draft.pk).update(net_total=Decimal("9.99"))
    draft.delete()
    assert not Invoice.objects.exists()
