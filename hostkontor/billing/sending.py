"""Sending issued invoices and credit notes by e-mail, with the stored PDF attached.

:func:`invoice_send` talks SMTP *outside* any database transaction of its own (a slow or
hanging mail server must not hold a row lock) and records the outcome afterwards in a short
transaction with the invoice row locked: on success ``issued → sent`` (paid and cancelled
documents keep their status), ``sent_at``, ``send_attempts`` and an ``invoice.sent`` audit
event; on a transport failure ``send_attempts``, a short ``send_error`` and an
``invoice.send_failed`` audit event. Transport failures are results, not exceptions, so a
batch goes on with the next invoice. Call it outside ``transaction.atomic`` so the mail
and its record are not rolled back separately.

Subject and body come from ``billing/mail/subject_<lang>.txt`` and
``billing/mail/body_<lang>.txt`` (``de``/``en`` after the invoice language; override them
through a template directory like the PDF templates).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from hostkontor.core.audit import audit_record

from .mail_signature import mail_signature, sender_address
from .models import Invoice
from .rendering import (
    PdfIntegrityError,
    document_language,
    format_date,
    format_iban,
    format_money,
    invoice_pdf_filename,
    invoice_pdf_read_stored,
    invoice_pdf_store,
    render_invoice_pdf,
)

ERROR_MAX_LENGTH = 300


class InvoiceNotSendable(ValueError):
    """The document cannot be sent at all (a draft has no number and no PDF yet)."""


@dataclass(frozen=True)
class SendResult:
    invoice_id: int
    number: str
    ok: bool
    recipient: str = ""
    error: str = ""
    skipped: bool = False  # invoices_send_pending: not pending (draft, already sent …)


class _SendFailure(Exception):
    """Internal: a failure to record on the invoice (message is shown to users)."""


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= ERROR_MAX_LENGTH else text[: ERROR_MAX_LENGTH - 1] + "…"


def _server_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def describe_mail_error(error: BaseException) -> str:
    """A short message for ``send_error``: the server's answer, never settings or secrets."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_server_text(text)}"
            for address, (code, text) in error.recipients.items()
        )
        return _short(f"Recipient refused by the mail server ({refused})")
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _short(f"Mail server login failed ({error.smtp_code})")
    if isinstance(error, smtplib.SMTPResponseException):
        return _short(f"Mail server error {error.smtp_code}: {_server_text(error.smtp_error)}")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "Mail server closed the connection"
    if isinstance(error, smtplib.SMTPException):
        return _short(f"Mail server error: {type(error).__name__}")
    if isinstance(error, TimeoutError):
        return "Mail server did not answer in time"
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        return _short(f"Mail server not reachable: {reason}")
    return _short(f"Mail could not be sent: {type(error).__name__}")


def _mail_context(invoice: Invoice) -> dict:
    language = document_language(invoice)
    seller = {key: (value or "") for key, value in (invoice.seller or {}).items()}
    original = invoice.cancels if invoice.kind == Invoice.Kind.CREDIT_NOTE else None
    return {
        "invoice": invoice,
        "language": language,
        "is_credit_note": invoice.kind == Invoice.Kind.CREDIT_NOTE,
        "number": invoice.number,
        "original_number": (original.number if original else "") or "",
        "invoice_date": format_date(invoice.invoice_date, language),
        "due_date": format_date(invoice.due_date, language),
        "gross_total": format_money(invoice.gross_total, language, invoice.currency or "EUR"),
        "filename": invoice_pdf_filename(invoice),
        "seller": seller,
        "seller_city": " ".join(filter(None, [seller.get("zip_code"), seller.get("city")])),
        "bank_name": seller.get("bank_name", ""),
        "iban": format_iban(seller.get("iban", "")),
        "bic": seller.get("bic", ""),
        "greeting": _greeting(invoice, language),
        "signature": mail_signature(seller, language),
    }


GREETING = {"de": "Sehr geehrte Damen und Herren,", "en": "Dear Sir or Madam,"}


def _greeting(invoice: Invoice, language: str) -> str:
    """The greeting the document itself uses (the billing contact's name when it was known
    at issue, ``document_texts.greeting``), else the neutral one."""
    first = (invoice.intro_text or "").splitlines()[:1]
    if first and first[0].rstrip().endswith(",") and invoice.kind == Invoice.Kind.INVOICE:
        return first[0].strip()
    return GREETING.get(language, GREETING["de"])


def invoice_mail_message(
    invoice: Invoice, *, pdf_bytes: bytes, to: str, connection=None
) -> EmailMessage:
    """The e-mail for ``invoice``: subject and body in the invoice language, PDF attached."""
    context = _mail_context(invoice)
    language = context["language"]
    with translation.override(language):
        subject = render_to_string(f"billing/mail/subject_{language}.txt", context)
        body = render_to_string(f"billing/mail/body_{language}.txt", context)
    seller_email = context["seller"].get("email", "")
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=sender_address(context["seller"]),
        to=[to],
        reply_to=[seller_email] if seller_email else None,
        connection=connection,
    )
    message.attach(context["filename"], pdf_bytes, "application/pdf")
    return message


def _pdf_for_sending(invoice: Invoice) -> bytes:
    """The stored PDF (checked against its hash); stored first if the issue did not."""
    if invoice.pdf:
        return invoice_pdf_read_stored(invoice)
    pdf = render_invoice_pdf(invoice)
    try:
        invoice_pdf_store(invoice, pdf)
    except ValueError:  # stored concurrently in the meantime: send that one
        invoice.refresh_from_db(fields=["pdf", "pdf_sha256"])
        return invoice_pdf_read_stored(invoice)
    return pdf


def _record(*, actor, invoice_id: int, recipient: str, error: str) -> Invoice:
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice_id)
        attempts = locked.send_attempts + 1
        changes = {
            "send_attempts": [str(locked.send_attempts), str(attempts)],
            "recipient": ["", recipient],
        }
        if error:
            Invoice.objects.filter(pk=locked.pk).update(send_attempts=attempts, send_error=error)
            changes["send_error"] = [locked.send_error, error]
            action = "invoice.send_failed"
        else:
            status = (
                Invoice.Status.SENT if locked.status == Invoice.Status.ISSUED else locked.status
            )
            Invoice.objects.filter(pk=locked.pk).update(
                status=status, sent_at=timezone.now(), send_attempts=attempts, send_error=""
            )
            if status != locked.status:
                changes["status"] = [locked.status, status]
            action = "invoice.sent"
        audit_record(
            actor=actor,
            action=action,
            obj=locked,
            customer_id=locked.customer_id,
            changes=changes,
        )
        locked.refresh_from_db()
    return locked


def invoice_send(*, actor, invoice: Invoice, to: str | None = None, connection=None) -> SendResult:
    """Mail the invoice's PDF to ``to`` (default: the invoice's ``customer_email`` snapshot).

    Raises :class:`InvoiceNotSendable` for drafts; every transport problem (refused
    recipient, unreachable server, missing address, a stored PDF that fails its hash
    check) is recorded on the invoice and returned as ``ok=False``.
    """
    current = Invoice.objects.select_related("cancels").get(pk=invoice.pk)
    if current.status == Invoice.Status.DRAFT or not current.number:
        raise InvoiceNotSendable(
            f"invoice #{current.pk} is a draft: issue it before sending (drafts have no number)"
        )
    recipient = (to if to is not None else current.customer_email).strip()
    error = ""
    try:
        if not recipient:
            raise _SendFailure("No e-mail address for invoices on this document")
        try:
            pdf = _pdf_for_sending(current)
        except PdfIntegrityError as exc:
            raise _SendFailure(_short(f"Not sent: {exc}")) from None
        message = invoice_mail_message(current, pdf_bytes=pdf, to=recipient, connection=connection)
        try:
            delivered = message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise _SendFailure(describe_mail_error(exc)) from None
        except ValueError as exc:  # Django refuses malformed addresses before talking SMTP
            raise _SendFailure(_short(f"Invalid e-mail address: {exc}")) from None
        if not delivered:
            raise _SendFailure("The mail backend did not accept the message")
    except _SendFailure as failure:
        error = str(failure)
        if connection is not None:  # a shared connection may be broken: reopen for the next
            try:
                connection.close()
            except (smtplib.SMTPException, OSError):
                pass

    recorded = _record(actor=actor, invoice_id=current.pk, recipient=recipient, error=error)
    for field in ("status", "sent_at", "send_attempts", "send_error", "pdf", "pdf_sha256"):
        setattr(invoice, field, getattr(recorded, field))
    return SendResult(
        invoice_id=recorded.pk,
        number=recorded.number or "",
        ok=not error,
        recipient=recipient,
        error=error,
    )


def invoices_send_pending(*, actor, invoice_ids: Iterable[int]) -> list[SendResult]:
    """Send each of ``invoice_ids`` that is issued and not sent yet, in the given order.

    Others (drafts, sent, paid, cancelled, unknown ids) are skipped with ``skipped=True`` and
    left alone; a failed send does not stop the batch. One SMTP connection is reused.
    """
    from django.core.mail import get_connection

    ids = list(dict.fromkeys(invoice_ids))
    invoices = Invoice.objects.in_bulk(ids)
    results = []
    connection = get_connection(fail_silently=False)
    try:
        for invoice_id in ids:
            invoice = invoices.get(invoice_id)
            if invoice is None or invoice.status != Invoice.Status.ISSUED:
                status = invoice.status if invoice else "missing"
                results.append(
                    SendResult(
                        invoice_id=invoice_id,
                        number=(invoice.number if invoice else "") or "",
                        ok=False,
                        error=f"Not pending ({status})",
                        skipped=True,
                    )
                )
                continue
            results.append(invoice_send(actor=actor, invoice=invoice, connection=connection))
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            pass
    return results
