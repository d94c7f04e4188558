from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hostkontor.testing.factories import make_contract, make_customer

from . import runs
from .models import BillingRun, Invoice, InvoiceLine, OneOffItem
from .runs import billing_preview, billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db


def run_on(day: date) -> list[Invoice]:
    return billing_run_execute(run=billing_run_create(actor=None, run_date=day))


def dmmd_contract(customer, **fields):
    values = {
        "start": date(2003, 1, 20),
        "end": date(2004, 1, 21),
        "setup_fee": Decimal("39.00"),
        "description": "inkl. Domain dmmd.de",
    }
    values.update(fields)
    return make_contract(customer, "V-1", **values)


def lines_of(invoice: Invoice) -> list[tuple]:
    return [
        (line.kind, line.period_start, line.period_end, line.net)
        for line in invoice.lines.order_by("position")
    ]


def test_worked_example_first_run_bills_setup_and_first_quarter():
    # given the spec's worked example contract
    dmmd_contract(make_customer())
    # when billed on its start date
    [invoice] = run_on(date(2003, 1, 20))
    # then setup 39.00 and the first quarter 57.00 are on one draft invoice
    assert lines_of(invoice) == [
        ("setup", date(2003, 1, 20), date(2003, 1, 20), Decimal("39.00")),  # date of supply
        ("period", date(2003, 1, 20), date(2003, 4, 19), Decimal("57.00")),
    ]
    assert (
        invoice.status,
        invoice.number,
        invoice.net_total,
        invoice.tax_total,
        invoice.gross_total,
    ) == (
        "draft",
        None,
        Decimal("96.00"),
        Decimal("18.24"),
        Decimal("114.24"),
    )


def test_worked_example_last_run_bills_the_partial_period():
    dmmd_contract(make_customer())
    for day in (date(2003, 1, 20), date(2003, 4, 20), date(2003, 7, 20), date(2003, 10, 20)):
        run_on(day)
    [invoice] = run_on(date(2004, 1, 21))
    assert lines_of(invoice) == [("period", date(2004, 1, 20), date(2004, 1, 21), Decimal("1.25"))]


def test_a_repeated_run_adds_nothing_and_a_catch_up_run_bills_every_missed_period():
    dmmd_contract(make_customer())
    # when the first run happens only at the end of the contract
    [invoice] = run_on(date(2004, 1, 21))
    # then it bills setup and every period back to the start, each its own line
    assert [line[1] for line in lines_of(invoice)] == [
        date(2003, 1, 20),  # the setup: supplied at the start
        date(2003, 1, 20),
        date(2003, 4, 20),
        date(2003, 7, 20),
        date(2003, 10, 20),
        date(2004, 1, 20),
    ]
    # and the same run again creates nothing
    assert run_on(date(2004, 1, 21)) == []
    assert InvoiceLine.objects.count() == 6


def test_the_database_refuses_a_second_line_for_a_billed_period():
    contract = dmmd_contract(make_customer())
    [invoice] = run_on(date(2003, 1, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=invoice,
            position=99,
            kind="period",
            contract=contract,
            description="doppelt",
            period_start=date(2003, 1, 20),
            period_end=date(2003, 4, 19),
            quantity=1,
            net=Decimal("57.00"),
            tax_rate=Decimal("19.00"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=invoice, position=98, kind="setup", contract=contract, description="doppelt",
            quantity=1, net=Decimal("39.00"), tax_rate=Decimal("19.00"),
        )  # fmt: skip


def test_deleting_a_draft_makes_its_periods_due_again():
    from .invoices import invoice_delete_draft

    dmmd_contract(make_customer())
    [invoice] = run_on(date(2003, 1, 20))
    invoice_delete_draft(actor=None, invoice=invoice)
    [again] = run_on(date(2003, 1, 20))
    assert lines_of(again) == [
        ("setup", date(2003, 1, 20), date(2003, 1, 20), Decimal("39.00")),  # date of supply
        ("period", date(2003, 1, 20), date(2003, 4, 19), Decimal("57.00")),
    ]


def test_one_invoice_per_customer_with_contracts_and_one_off_items():
    customer = make_customer()
    dmmd_contract(customer)
    make_contract(
        customer, "V-2", "Server Webserver", start=date(2003, 1, 21), fee=Decimal("10.00")
    )
    OneOffItem.objects.create(
        customer=customer,
        description="Festplatte 2 TB",
        service_date=date(2003, 1, 10),
        quantity=Decimal("2"),
        unit_price=Decimal("89.90"),
    )
    OneOffItem.objects.create(
        customer=customer,
        description="später",
        service_date=date(2003, 2, 1),
        unit_price=Decimal("5.00"),
    )
    [invoice] = run_on(date(2003, 1, 21))
    assert [
        (line.kind, line.description.split("\n")[0], line.net)
        for line in invoice.lines.order_by("position")
    ] == [
        (
            "setup",
            "Einrichtungsgebühr: Domain Server Standard inkl. Domain dmmd.de",
            Decimal("39.00"),
        ),
        ("period", "Domain Server Standard inkl. Domain dmmd.de", Decimal("57.00")),
        ("period", "Server Webserver", Decimal("30.00")),
        ("item", "Festplatte 2 TB", Decimal("179.80")),
    ]
    # the item is billed once; the later one waits for its service date
    [next_invoice] = run_on(date(2003, 2, 1))
    assert [line.description for line in next_invoice.lines.all()] == ["später"]


def test_reverse_charge_customer_gets_zero_rate_lines():
    customer = make_customer(
        country="AT", vat_id="ATU13585627", tax_treatment="eu_reverse_charge", language="en"
    )
    dmmd_contract(customer)
    [invoice] = run_on(date(2003, 1, 20))
    assert {line.tax_rate for line in invoice.lines.all()} == {Decimal("0.00")}
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Decimal("96.00"),
        Decimal("0.00"),
        Decimal("96.00"),
    )
    assert invoice.lines.get(kind="setup").description.startswith("Setup fee: ")


def test_a_run_that_fails_half_way_keeps_whole_invoices_and_the_next_run_completes(monkeypatch):
    # given three customers billed in batches of one
    for number in ("K1", "K2", "K3"):
        make_contract(make_customer(number=number), f"V-{number}", setup_fee=Decimal("39.00"))
    real_insert = runs._insert_drafts
    calls = {"n": 0}

    def insert_then_die(run, drafts):
        calls["n"] += 1
        result = real_insert(run, drafts)
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return result

    monkeypatch.setattr(runs, "_insert_drafts", insert_then_die)
    run = billing_run_create(actor=None, run_date=date(2003, 1, 20))
    # when the run dies in the second batch
    with pytest.raises(RuntimeError):
        billing_run_execute(run=run, batch_size=1)
    # then the first customer's invoice is complete and the second left no trace
    assert sorted(Invoice.objects.values_list("customer__number", flat=True)) == ["K1"]
    assert InvoiceLine.objects.count() == 2
    run.refresh_from_db()
    assert (run.status, run.customers_done, run.error) == ("failed", 1, "RuntimeError: power cut")
    # and the next run completes the rest
    monkeypatch.setattr(runs, "_insert_drafts", real_insert)
    rest = run_on(date(2003, 1, 20))
    assert sorted(i.customer.number for i in rest) == ["K2", "K3"]
    assert InvoiceLine.objects.count() == 6


def test_preview_saves_nothing():
    dmmd_contract(make_customer())
    drafts = list(billing_preview(run_date=date(2003, 1, 20)))
    assert [(d.customer_number, d.totals.gross) for d in drafts] == [("K10001", Decimal("114.24"))]
    assert (Invoice.objects.count(), BillingRun.objects.count()) == (0, 0)


def test_billed_until_from_an_earlier_system_is_respected():
    dmmd_contract(make_customer(), end=None, billed_until=date(2003, 4, 19))
    [invoice] = run_on(date(2003, 4, 20))
    assert lines_of(invoice) == [("period", date(2003, 4, 20), date(2003, 7, 19), Decimal("57.00"))]
