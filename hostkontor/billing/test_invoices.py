from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hostkontor.core.models import AuditEvent
from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .invoices import InvoiceStateError, invoice_cancel, invoice_issue, invoice_mark_paid
from .models import Invoice, InvoiceLine
from .runs import billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db


def run_on(day: date) -> list[Invoice]:
    return billing_run_execute(run=billing_run_create(actor=None, run_date=day))


@pytest.fixture
def draft():
    customer = make_customer(company="dmmd GmbH & Co. KG internet & network services")
    make_contract(customer, "V-1", setup_fee=Decimal("39.00"), description="inkl. Domain dmmd.de")
    make_seller_profile(
        company="Agentur Kahl GmbH", iban="DE02120300000000202051", vat_id="DE136695976"
    )
    [invoice] = run_on(date(2003, 1, 20))
    return invoice


def test_issue_assigns_number_snapshots_and_stores_the_pdf(draft, admin_user):
    # when the draft is issued
    invoice = invoice_issue(actor=admin_user, invoice=draft)
    # then it has the first number of the year of issue, is dated today (the run date only
    # decided what is billed), its totals, the customer's address and the PDF
    today = timezone.localdate()
    assert (invoice.number, invoice.status, invoice.invoice_date, invoice.due_date) == (
        f"RE-{today.year}-00001",
        "issued",
        today,
        today + timedelta(days=14),
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
    invoice = invoice_issue(actor=admin_user, invoice=draft)
    draft.customer.city = "Osnabrück"
    draft.customer.save()
    invoice.refresh_from_db()
    assert invoice.address.endswith("49176 Hilter")


def test_issuing_twice_is_refused(draft, admin_user):
    invoice_issue(actor=admin_user, invoice=draft)
    with pytest.raises(InvoiceStateError):
        invoice_issue(actor=admin_user, invoice=draft)


def test_credit_note_negates_reopens_periods_and_has_its_own_range(draft, admin_user):
    invoice = invoice_issue(actor=admin_user, invoice=draft)
    # when the invoice is cancelled
    credit = invoice_cancel(actor=admin_user, invoice=invoice)
    # then a credit note with its own number mirrors it
    assert (credit.kind, credit.number, credit.cancels_id, credit.gross_total) == (
        "credit_note",
        f"ST-{timezone.localdate().year}-00001",
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
        invoice_issue(actor=admin_user, invoice=again).number
        == f"RE-{timezone.localdate().year}-00002"
    )
    assert InvoiceLine.objects.filter(bills=True).count() == 2


def test_paid_and_cancel_rules(draft, admin_user):
    invoice = invoice_issue(actor=admin_user, invoice=draft)
    paid = invoice_mark_paid(actor=admin_user, invoice=invoice, paid_on=date(2003, 1, 30))
    assert paid.status == "paid"
    with pytest.raises(InvoiceStateError):
        invoice_mark_paid(actor=admin_user, invoice=paid, paid_on=date(2003, 1, 30))
    credit = invoice_cancel(actor=admin_user, invoice=paid)
    with pytest.raises(InvoiceStateError):
        invoice_cancel(actor=admin_user, invoice=credit)


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
    make_seller_profile(
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
    invoice = invoice_issue(actor=admin_user, invoice=draft)

    # then the stored PDF carries the numbers, the period, 0 % tax and the legal note
    text = " ".join(pdf_text(invoice.pdf.read(), tmp_path).split())
    today = timezone.localdate()
    for expected in [
        f"Rechnung RE-{today.year}-00001",
        "K10077",
        f"{today:%d.%m.%Y}",
        "Alpen Hosting AG",
        "8001 Zürich",
        "SCHWEIZ",
        "20.01.2003 – 19.04.2003",
        "39,00 €",
        "57,00 €",
        "Rechnungsbetrag 96,00 €",
        "Nicht im Inland steuerbare Leistung (§ 3a Abs. 2 UStG).",
        "USt-IdNr.: DE136695976",
        "Steuernummer: 27/123/45678",
        "IBAN DE02 1203 0000 0000 2020 51",
        f"Zahlbar ohne Abzug bis {today + timedelta(days=14):%d.%m.%Y}.",
    ]:
        assert expected in text, expected
    assert (invoice.tax_total, invoice.gross_total) == (Decimal("0.00"), Decimal("96.00"))
