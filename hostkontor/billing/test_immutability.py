"""The database itself refuses changes to issued invoices (triggers of migrations 0002/0003).

The raw-SQL tests go past every Python guard, as a script or a careless migration would.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from hostkontor.testing.factories import make_contract, make_customer

from .models import BillingRun, Invoice, InvoiceLine

pytestmark = pytest.mark.django_db

IMMUTABLE = "issued invoice is immutable"
ILLEGAL_MOVE = "illegal invoice status transition"
LINE_IMMUTABLE = "line of an issued invoice is immutable"


def _line(invoice, contract, position=1, start=date(2026, 12, 1)):
    return InvoiceLine.objects.create(
        invoice=invoice,
        position=position,
        kind="period",
        contract=contract,
        description="Quartal",
        period_start=start,
        period_end=date(2027, 2, 28),
        quantity=1,
        net=Decimal("57.00"),
        tax_rate=Decimal("19.00"),
    )


@pytest.fixture
def issued():
    customer = make_customer()
    contract = make_contract(customer, "V-1")
    run = BillingRun.objects.create(run_date=date(2026, 12, 1))
    invoice = Invoice.objects.create(
        customer=customer, run_date=date(2026, 12, 1), net_total=Decimal("57.00"), billing_run=run
    )
    _line(invoice, contract)
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


def sql_refusal(sql: str, params: list) -> str:
    """Run raw SQL; return the database's message (first line) or "" if it went through."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        return str(error).splitlines()[0]
    return ""


def move(invoice: Invoice, status: str) -> str:
    return sql_refusal("UPDATE billing_invoice SET status = %s WHERE id = %s", [status, invoice.pk])


def status_of(invoice: Invoice) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=invoice.pk)


def test_money_and_snapshot_fields_of_an_issued_invoice_cannot_change(issued):
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(net_total=Decimal("1.00")))
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(address="Woanders 1"))
    assert refused(lambda: Invoice.objects.filter(pk=issued.pk).update(number="RE-2026-00002"))
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


def test_a_draft_line_cannot_be_moved_into_an_issued_invoice_by_raw_sql(issued):
    # given a draft of the same customer with a line of its own
    draft = Invoice.objects.create(customer=issued.customer, run_date=date(2027, 3, 1))
    line = _line(draft, make_contract(issued.customer, "V-2"), position=2)
    # when raw SQL moves the draft's line into the issued invoice
    error = sql_refusal(
        "UPDATE billing_invoiceline SET invoice_id = %s WHERE id = %s", [issued.pk, line.pk]
    )
    # then the database refuses, and the issued invoice still has its one line
    assert error == LINE_IMMUTABLE
    assert InvoiceLine.objects.get(pk=line.pk).invoice_id == draft.pk
    assert issued.lines.count() == 1


def test_a_line_cannot_be_inserted_into_or_moved_out_of_an_issued_invoice_by_raw_sql(issued):
    draft = Invoice.objects.create(customer=issued.customer, run_date=date(2027, 3, 1))
    insert = (
        "INSERT INTO billing_invoiceline (invoice_id, position, kind, description, quantity, "
        "unit, net, tax_rate, bills) VALUES (%s, 9, 'item', 'x', 1, '', 1, 0, %s)"
    )
    assert sql_refusal(insert, [issued.pk, True]) == LINE_IMMUTABLE
    line = issued.lines.get()
    assert (
        sql_refusal(
            "UPDATE billing_invoiceline SET invoice_id = %s WHERE id = %s", [draft.pk, line.pk]
        )
        == LINE_IMMUTABLE
    )
    # a draft's lines stay free
    assert sql_refusal(insert, [draft.pk, True]) == ""


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("issued_at", "2020-01-01 00:00:00"),
        ("billing_run_id", None),
        ("invoice_date", "2020-01-01"),
    ],
)
def test_issue_time_and_billing_run_of_an_issued_invoice_are_frozen(issued, column, value):
    # when raw SQL rewrites when or by which run the invoice was issued
    sql = f"UPDATE billing_invoice SET {column} = %s WHERE id = %s"  # noqa: S608 (test columns)
    error = sql_refusal(sql, [value, issued.pk])
    # then the database refuses
    assert error == IMMUTABLE
    assert Invoice.objects.get(pk=issued.pk).billing_run_id == issued.billing_run_id


def test_issue_time_and_run_may_be_set_while_issuing(issued):
    # given a draft (what issuing does: number, date and issue time in one step)
    draft = Invoice.objects.create(customer=issued.customer, run_date=date(2027, 3, 1))
    error = sql_refusal(
        "UPDATE billing_invoice SET status = 'issued', number = 'RE-2027-00001', "
        "issued_at = %s, billing_run_id = NULL WHERE id = %s",
        ["2027-03-01 09:00:00", draft.pk],
    )
    assert error == ""
    assert status_of(draft) == "issued"


# Every pair of states: the legal moves go through, every other move is refused.
LEGAL = {
    ("draft", "issued"),
    ("issued", "sent"),
    ("issued", "paid"),
    ("issued", "cancelled"),
    ("sent", "paid"),
    ("sent", "cancelled"),
    ("paid", "cancelled"),
    ("paid", "issued"),
    ("paid", "sent"),
}
STATES = ["draft", "issued", "sent", "paid", "cancelled"]
PATH_TO = {  # legal moves from "issued" to reach each state
    "issued": [],
    "sent": ["sent"],
    "paid": ["paid"],
    "cancelled": ["cancelled"],
}


@pytest.mark.parametrize(
    ("old", "new"), [(old, new) for old in STATES for new in STATES if old != new]
)
def test_status_moves_only_along_the_legal_transitions(issued, old, new):
    # given an invoice in state ``old``
    invoice = issued
    if old == "draft":
        invoice = Invoice.objects.create(customer=issued.customer, run_date=date(2027, 3, 1))
    for step in PATH_TO.get(old, []):
        assert move(invoice, step) == ""
    assert status_of(invoice) == old
    # when raw SQL sets ``new`` (a draft gets a number, as the number check wants)
    if old == "draft":
        error = sql_refusal(
            "UPDATE billing_invoice SET status = %s, number = 'X-1' WHERE id = %s",
            [new, invoice.pk],
        )
    else:
        error = move(invoice, new)
    # then only a legal move goes through
    if (old, new) in LEGAL:
        assert (error, status_of(invoice)) == ("", new)
    else:
        assert (error, status_of(invoice)) == (ILLEGAL_MOVE, old)


def test_save_of_unchanged_fields_is_allowed(issued):
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
