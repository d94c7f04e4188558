"""The document that cancels an invoice is a "Stornorechnung" / "cancellation invoice", never a
"Gutschrift" (in German VAT law a self-billed invoice, §14 (2) UStG) -- on the page, in the
PDF and in the mail."""

import datetime
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .invoices import invoice_issue
from .models import Invoice, SellerProfile
from .rendering import invoice_pdf_bytes, render_invoice_pdf
from .runs import billing_run_create, billing_run_execute
from .sending import invoice_mail_message
from .test_rendering import (
    make_issued_invoice,
    media_storage,  # noqa: F401 (fixture)
    negated_lines,
    pdf_text,
)

pytestmark = pytest.mark.django_db


def _cancellation_of(original: Invoice, *, language: str) -> Invoice:
    Invoice.objects.filter(pk=original.pk).update(status=Invoice.Status.CANCELLED)
    return make_issued_invoice(
        customer=original.customer,
        number="ST-2026-00001",
        kind=Invoice.Kind.CREDIT_NOTE,
        cancels=original,
        language=language,
        lines=negated_lines(),
        invoice_date=datetime.date(2026, 12, 2),
    )


def test_a_new_install_numbers_cancellations_st_not_gs():
    assert SellerProfile.current().credit_note_number_pattern == "ST-{YYYY}-{00000}"


def test_cancelling_in_the_web_issues_a_stornorechnung(admin_client, media_storage):  # noqa: F811
    # given an issued invoice
    make_seller_profile()
    make_contract(make_customer(), "V-1")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    today = timezone.localdate()
    invoice = invoice_issue(actor=None, invoice=draft, on=today)

    # when the admin cancels it on its page
    page = admin_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    response = admin_client.post(reverse("billing:invoice_cancel", args=[invoice.pk]), follow=True)

    # then button, message, heading and PDF all say Stornorechnung, none says Gutschrift
    assert "Stornieren (Stornorechnung)" in page
    assert "Diese Rechnung per Stornorechnung stornieren?" in page
    cancellation = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert cancellation.number == f"ST-{today:%Y}-00001"
    html = response.content.decode()
    assert f"Stornorechnung {cancellation.number} ausgestellt." in html
    assert f"Stornorechnung {cancellation.number}</h1>" in html
    assert "Gutschrift" not in html
    text = " ".join(pdf_text(invoice_pdf_bytes(cancellation), media_storage).split())
    assert f"Stornorechnung zu Rechnung {invoice.number}" in text
    assert f"Belegnummer {cancellation.number}" in text
    assert "Gutschrift" not in text


def test_english_cancellation_pdf_says_cancellation_invoice(tmp_path):
    # given an English invoice and its cancellation
    cancellation = _cancellation_of(make_issued_invoice(language="en"), language="en")

    # when it is rendered
    text = " ".join(pdf_text(render_invoice_pdf(cancellation), tmp_path).split())

    # then it is a cancellation invoice, not a credit note
    assert "Cancellation invoice for invoice RE-2026-00001" in text
    assert "Document number ST-2026-00001" in text
    assert "Cancelled amount -€243.95" in text
    assert "credit" not in text.lower()


def test_german_cancellation_mail_says_stornorechnung():
    # given a German invoice and its cancellation
    cancellation = _cancellation_of(make_issued_invoice(), language="de")

    # when its mail is built
    message = invoice_mail_message(cancellation, pdf_bytes=b"%PDF-1.7", to="a@example.org")

    # then subject and text name the Stornorechnung
    assert message.subject == "Ihre Stornorechnung ST-2026-00001 zu Rechnung RE-2026-00001"
    assert "anbei erhalten Sie unsere Stornorechnung ST-2026-00001 vom 02.12.2026" in message.body
    assert "Die Stornorechnung finden Sie als PDF-Datei im Anhang (ST-2026-00001.pdf)." in (
        message.body
    )
    assert "Gutschrift" not in message.subject + message.body
