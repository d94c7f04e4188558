"""Sending invoices through a real SMTP server (aiosmtpd on 127.0.0.1)."""

import datetime

import pytest

from hostkontor.billing import test_rendering
from hostkontor.billing.models import Invoice
from hostkontor.billing.rendering import invoice_pdf_bytes, invoice_pdf_store, render_invoice_pdf
from hostkontor.billing.sending import (
    InvoiceNotSendable,
    SendResult,
    invoice_send,
    invoices_send_pending,
)
from hostkontor.billing.test_rendering import make_customer, make_issued_invoice, negated_lines
from hostkontor.core.models import AuditEvent
from hostkontor.testing import smtp
from hostkontor.testing.services import free_tcp_port

# fixtures from elsewhere (hostkontor/conftest.py may provide smtp_server as well)
smtp_server = smtp.smtp_server
media_storage = test_rendering.media_storage

ADDRESS = "rechnung@muster-hosting.example"


@pytest.fixture
def mail(settings, smtp_server, media_storage):
    """Django mails through the test SMTP server; PDFs go to a temporary storage."""
    smtp_server.configure(settings)
    settings.DEFAULT_FROM_EMAIL = "rechnungen@netzwerk-nord.example"
    return smtp_server


def issued_with_pdf(**kwargs) -> Invoice:
    invoice = make_issued_invoice(**kwargs)
    invoice_pdf_store(invoice, render_invoice_pdf(invoice))
    return Invoice.objects.get(pk=invoice.pk)


def audit_actions(invoice: Invoice) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="billing.invoice", object_id=str(invoice.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.services
@pytest.mark.django_db
def test_send_delivers_the_stored_pdf_and_marks_the_invoice_sent(mail, billing_user):
    # given an issued invoice with its stored PDF
    invoice = issued_with_pdf()
    stored = invoice_pdf_bytes(invoice)

    # when it is sent
    result = invoice_send(actor=billing_user, invoice=invoice)

    # then the server got one mail to the customer with exactly that PDF attached
    assert result == SendResult(
        invoice_id=invoice.pk, number="RE-2026-00001", ok=True, recipient=ADDRESS
    )
    assert len(mail.messages) == 1
    received = mail.messages[0]
    assert received.mail_from == "rechnungen@netzwerk-nord.example"
    assert received.rcpt_tos == [ADDRESS]
    assert received.message["To"] == ADDRESS
    assert received.message["Subject"] == "Ihre Rechnung RE-2026-00001"
    assert received.message["Reply-To"] == "buchhaltung@netzwerk-nord.example"
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    assert (
        "anbei erhalten Sie unsere Rechnung RE-2026-00001 vom 27.11.2026 über 243,95\xa0€." in body
    )
    assert "ohne Abzug bis zum 11.12.2026" in body
    assert "IBAN DE89 3704 0044 0532 0130 00, BIC HASPDEHHXXX" in body
    [attachment] = received.attachments
    assert attachment.get_filename() == "RE-2026-00001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == stored

    # and the invoice records it, with an audit event
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.send_attempts == 1
    assert invoice.send_error == ""
    assert invoice.sent_at is not None
    assert audit_actions(invoice) == ["invoice.sent"]
    event = AuditEvent.objects.get(action="invoice.sent")
    assert event.actor == billing_user
    assert event.customer_id == invoice.customer_id
    assert event.changes == {
        "status": ["issued", "sent"],
        "send_attempts": ["0", "1"],
        "recipient": ["", ADDRESS],
    }


@pytest.mark.services
@pytest.mark.django_db
def test_refused_recipient_is_recorded_and_a_retry_after_the_fix_succeeds(mail):
    # given an issued invoice whose recipient the mail server refuses
    invoice = issued_with_pdf()
    mail.refuse(ADDRESS)

    # when it is sent
    failed = invoice_send(actor=None, invoice=invoice)

    # then nothing was delivered, the failure is recorded, the invoice is still issued
    expected_error = f"Recipient refused by the mail server ({ADDRESS}: 550 mailbox unavailable)"
    assert failed == SendResult(
        invoice_id=invoice.pk,
        number="RE-2026-00001",
        ok=False,
        recipient=ADDRESS,
        error=expected_error,
    )
    assert mail.messages == []
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.send_attempts == 1
    assert invoice.send_error == expected_error
    assert invoice.sent_at is None
    assert audit_actions(invoice) == ["invoice.send_failed"]
    assert AuditEvent.objects.get(action="invoice.send_failed").actor_name == "system"

    # when the mailbox works again and the invoice is sent once more
    mail.accept(ADDRESS)
    retried = invoice_send(actor=None, invoice=invoice)

    # then it is delivered and the error is cleared
    assert retried.ok is True
    assert len(mail.messages) == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.send_attempts == 2
    assert invoice.send_error == ""
    assert audit_actions(invoice) == ["invoice.send_failed", "invoice.sent"]


@pytest.mark.services
@pytest.mark.django_db
def test_server_refusing_the_message_is_a_recorded_failure(mail):
    invoice = issued_with_pdf()
    mail.fail_data = "554 message rejected as spam"

    result = invoice_send(actor=None, invoice=invoice)

    assert result.ok is False
    assert result.error == "Mail server error 554: message rejected as spam"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_attempts) == (Invoice.Status.ISSUED, 1)


@pytest.mark.django_db
def test_unreachable_mail_server_is_a_recorded_failure(settings, media_storage):
    # given Django pointed at a port where nothing listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_tcp_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_PASSWORD = "geheim-123"
    invoice = issued_with_pdf()

    # when the invoice is sent, then that is a result, not an exception
    result = invoice_send(actor=None, invoice=invoice)

    assert result.ok is False
    assert result.error == "Mail server not reachable: Connection refused"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.send_attempts == 1
    assert "geheim" not in invoice.send_error


@pytest.mark.services
@pytest.mark.django_db
def test_invoice_without_email_address_is_not_sent(mail):
    invoice = issued_with_pdf(customer_email="")

    result = invoice_send(actor=None, invoice=invoice)

    assert result.ok is False
    assert result.error == "No e-mail address for invoices on this document"
    assert mail.messages == []
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_attempts) == (Invoice.Status.ISSUED, 1)
    assert invoice.send_error == "No e-mail address for invoices on this document"


@pytest.mark.services
@pytest.mark.django_db
def test_tampered_pdf_is_not_sent(mail, media_storage):
    invoice = issued_with_pdf()
    (media_storage / invoice.pdf.name).write_bytes(b"%PDF-1.7 forged")

    result = invoice_send(actor=None, invoice=invoice)

    assert result.ok is False
    assert result.error == (
        "Not sent: the stored PDF of invoice RE-2026-00001 does not match its recorded SHA-256"
    )
    assert mail.messages == []


@pytest.mark.services
@pytest.mark.django_db
def test_draft_is_refused(mail):
    customer = make_customer()
    draft = Invoice.objects.create(customer=customer, run_date=datetime.date(2026, 11, 27))

    with pytest.raises(InvoiceNotSendable, match="is a draft: issue it before sending"):
        invoice_send(actor=None, invoice=draft)
    draft.refresh_from_db()
    assert draft.send_attempts == 0
    assert mail.messages == []
    assert AuditEvent.objects.count() == 0


@pytest.mark.services
@pytest.mark.django_db
def test_paid_invoice_is_sent_again_without_changing_its_status(mail):
    invoice = issued_with_pdf()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)

    result = invoice_send(actor=None, invoice=invoice)

    assert result.ok is True
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.send_attempts == 1
    assert "status" not in AuditEvent.objects.get(action="invoice.sent").changes


@pytest.mark.services
@pytest.mark.django_db
def test_pdf_not_stored_yet_is_rendered_stored_and_sent(mail):
    # given an issued invoice without a stored PDF
    invoice = make_issued_invoice()
    assert not invoice.pdf

    # when it is sent
    result = invoice_send(actor=None, invoice=invoice)

    # then the attachment is the PDF that is now stored
    assert result.ok is True
    invoice.refresh_from_db()
    assert invoice.pdf.name == "invoices/2026/RE-2026-00001.pdf"
    assert mail.messages[0].attachments[0].get_content() == invoice_pdf_bytes(invoice)


@pytest.mark.services
@pytest.mark.django_db
def test_english_credit_note_mail(mail):
    # given an English invoice and its credit note
    original = issued_with_pdf(language="en")
    Invoice.objects.filter(pk=original.pk).update(status=Invoice.Status.CANCELLED)
    credit_note = issued_with_pdf(
        customer=original.customer,
        number="ST-2026-00001",
        kind=Invoice.Kind.CREDIT_NOTE,
        cancels=original,
        language="en",
        lines=negated_lines(),
        invoice_date=datetime.date(2026, 12, 2),
    )

    # when the credit note is sent
    result = invoice_send(actor=None, invoice=credit_note)

    # then subject, body and attachment name are English / the credit note's
    assert result.ok is True
    message = mail.messages[0].message
    assert message["Subject"] == "Your cancellation invoice ST-2026-00001 for invoice RE-2026-00001"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert (
        "our cancellation invoice ST-2026-00001 of 2026-12-02 for invoice RE-2026-00001,"
        " amounting to -€243.95." in body
    )
    assert mail.messages[0].attachments[0].get_filename() == "ST-2026-00001.pdf"
    credit_note.refresh_from_db()
    assert credit_note.status == Invoice.Status.SENT


@pytest.mark.services
@pytest.mark.django_db
def test_batch_goes_on_after_a_failure_and_skips_what_is_not_pending(mail):
    # given three issued invoices (one to a refused mailbox), one already sent, and a draft
    ok_first = issued_with_pdf(number="RE-2026-00001")
    refused = issued_with_pdf(
        customer=make_customer(number="K-2", company="Zwei GmbH"),
        number="RE-2026-00002",
        customer_email="kaputt@zwei.example",
    )
    ok_last = issued_with_pdf(
        customer=make_customer(number="K-3", company="Drei GmbH"), number="RE-2026-00003"
    )
    already_sent = issued_with_pdf(
        customer=make_customer(number="K-4", company="Vier GmbH"), number="RE-2026-00004"
    )
    Invoice.objects.filter(pk=already_sent.pk).update(status=Invoice.Status.SENT)
    draft = Invoice.objects.create(customer=ok_first.customer, run_date=datetime.date(2026, 11, 27))
    mail.refuse("kaputt@zwei.example")

    # when the batch is sent
    results = invoices_send_pending(
        actor=None,
        invoice_ids=[ok_first.pk, refused.pk, ok_last.pk, already_sent.pk, draft.pk, ok_first.pk],
    )

    # then each pending invoice got its attempt, the others were left alone
    assert [(r.invoice_id, r.ok, r.skipped) for r in results] == [
        (ok_first.pk, True, False),
        (refused.pk, False, False),
        (ok_last.pk, True, False),
        (already_sent.pk, False, True),
        (draft.pk, False, True),
    ]
    assert results[3].error == "Not pending (sent)"
    assert sorted(m.rcpt_tos[0] for m in mail.messages) == [ADDRESS, ADDRESS]
    statuses = dict(Invoice.objects.values_list("number", "status").exclude(number=None))
    assert statuses == {
        "RE-2026-00001": "sent",
        "RE-2026-00002": "issued",
        "RE-2026-00003": "sent",
        "RE-2026-00004": "sent",
    }
    already_sent.refresh_from_db()
    assert already_sent.send_attempts == 0
