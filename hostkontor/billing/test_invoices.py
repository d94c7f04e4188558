from datetime import date
from decimal import Decimal

import pytest

from hostkontor.core.models import AuditEvent
from hostkontor.testing.factories import make_contract, make_customer

from .invoices import InvoiceStateError, invoice_cancel, invoice_issue, invoice_mark_paid
from .models import Invoice, InvoiceLine, SellerProfile
from .runs import billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db


def run_on(day: date) -> list[Invoice]:
    return billing_run_execute(run=billing_run_create(actor=None, run_date=day))


@pytest.fixture
def draft():
    customer = make_customer(company="dmmd GmbH & Co. KG internet & network services")
    make_contract(customer, "V-1", setup_fee=Decimal("39.00"), description="inkl. Domain dmmd.de")
    SellerProfile.objects.create(
        company="Agentur Kahl GmbH", iban="DE02120300000000202051", vat_id="DE136695976"
    )
    [invoice] = run_on(date(2003, 1, 20))
    return invoice


def test_issue_assigns_number_snapshots_and_stores_the_pdf(draft, admin_user):
    # when the draft is issued
    invoice = invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))
    # then it has the first number of the year, its totals, the customer's address and the PDF
    assert (invoice.number, invoice.status, invoice.invoice_date, invoice.due_date) == (
        "RE-2003-00001",
        "issued",
        date(2003, 1, 21),
        date(2003, 2, 4),
    )
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Decimal("96.00"),
        Decimal("18.24"),
        Decimal("114.24"),
    )
    assert (
        invoice.address
        == "dmmd GmbH & Co. KG internet & network services\nOsnabrücker Straße 12\n49176 Hilter"
    )
    assert invoice.seller["company"] == "Agentur Kahl GmbH"
    assert invoice.tax_breakdown == [{"rate": "19.00", "net": "96.00", "tax": "18.24"}]
    assert invoice.pdf.read()[:5] == b"%PDF-"
    assert (
        AuditEvent.objects.filter(action="invoice.issued", object_id=str(invoice.pk)).count() == 1
    )


def test_snapshot_does_not_follow_later_customer_changes(draft, admin_user):
    invoice = invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))
    draft.customer.city = "Osnabrück"
    draft.customer.save()
    invoice.refresh_from_db()
    assert invoice.address.endswith("49176 Hilter")


def test_issuing_twice_is_refused(draft, admin_user):
    invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))
    with pytest.raises(InvoiceStateError):
        invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))


def test_credit_note_negates_reopens_periods_and_has_its_own_range(draft, admin_user):
    invoice = invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))
    # when the invoice is cancelled
    credit = invoice_cancel(actor=admin_user, invoice=invoice, on=date(2003, 2, 1))
    # then a credit note with its own number mirrors it
    assert (credit.kind, credit.number, credit.cancels_id, credit.gross_total) == (
        "credit_note",
        "GS-2003-00001",
        invoice.pk,
        Decimal("-114.24"),
    )
    assert [line.net for line in credit.lines.order_by("position")] == [
        Decimal("-39.00"),
        Decimal("-57.00"),
    ]
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    # and the next run bills setup and period again, on a new invoice with the next number
    [again] = run_on(date(2003, 2, 1))
    assert [(line.kind, line.net) for line in again.lines.order_by("position")] == [
        ("setup", Decimal("39.00")),
        ("period", Decimal("57.00")),
    ]
    assert (
        invoice_issue(actor=admin_user, invoice=again, on=date(2003, 2, 1)).number
        == "RE-2003-00002"
    )
    assert InvoiceLine.objects.filter(bills=True).count() == 2


def test_paid_and_cancel_rules(draft, admin_user):
    invoice = invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))
    paid = invoice_mark_paid(actor=admin_user, invoice=invoice, paid_on=date(2003, 1, 30))
    assert paid.status == "paid"
    with pytest.raises(InvoiceStateError):
        invoice_mark_paid(actor=admin_user, invoice=paid, paid_on=date(2003, 1, 30))
    credit = invoice_cancel(actor=admin_user, invoice=paid, on=date(2003, 2, 1))
    with pytest.raises(InvoiceStateError):
        invoice_cancel(actor=admin_user, invoice=credit, on=date(2003, 2, 1))


def test_issued_pdf_of_a_swiss_customer_says_not_taxable_here(admin_user, tmp_path):
    # given a customer outside the EU with a contract, and the seller's data
    from .test_rendering import pdf_text

    customer = make_customer(
        number="K10077",
        company="Alpen Hosting AG",
        street="Bahnhofstrasse 1",
        zip_code="8001",
        city="Zürich",
        country="CH",
        tax_treatment="non_eu",
    )
    make_contract(customer, "V-1", setup_fee=Decimal("39.00"))
    SellerProfile.objects.create(
        company="Agentur Kahl GmbH",
        street="Hafenstraße 12",
        zip_code="20457",
        city="Hamburg",
        vat_id="DE136695976",
        tax_number="27/123/45678",
        iban="DE02120300000000202051",
    )
    [draft] = run_on(date(2003, 1, 20))

    # when it is issued through the service
    invoice = invoice_issue(actor=admin_user, invoice=draft, on=date(2003, 1, 21))

    # then the stored PDF carries the numbers, the period, 0 % tax and the legal note
    text = " ".join(pdf_text(invoice.pdf.read(), tmp_path).split())
    for expected in [
        "Rechnung RE-2003-00001",
        "K10077",
        "21.01.2003",
        "Alpen Hosting AG",
        "8001 Zürich",
        "SCHWEIZ",
        "20.01.2003 – 19.04.2003",
        "39,00 €",
        "57,00 €",
        "Rechnungsbetrag 96,00 €",
        "Nicht im Inland steuerbare Leistung.",
        "USt-IdNr.: DE136695976",
        "Steuernummer: 27/123/45678",
        "IBAN DE02 1203 0000 0000 2020 51",
        "Zahlbar ohne Abzug bis 04.02.2003.",
    ]:
        assert expected in text, expected
    assert (invoice.tax_total, invoice.gross_total) == (Decimal("0.00"), Decimal("96.00"))
