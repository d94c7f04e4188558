"""Issuing, cancelling (by credit note), paying and discarding invoices.

Issuing takes the next gapless number of the range inside the transaction that stores the
invoice, snapshots everything the document says (address, seller, texts, tax note) and
renders the PDF, all or nothing: a failure gives the number back. Issued documents never
change afterwards (database triggers); a credit note with its own number range negates
them and reopens the periods they billed.
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_countries import countries

from hostkontor.core.audit import audit_record
from hostkontor.core.numbering import number_allocate
from hostkontor.customers.models import Customer

from .document_texts import issued_texts
from .engine import invoice_totals
from .issue_rules import issue_check
from .models import Invoice, InvoiceLine, SellerProfile
from .number_ranges import pattern_in_force
from .rendering import invoice_pdf_store, render_invoice_pdf

SELLER_FIELDS = [
    "company",
    "street",
    "zip_code",
    "city",
    "country",
    "vat_id",
    "tax_number",
    "register_court",
    "register_number",
    "managing_directors",
    "email",
    "phone",
    "website",
    "bank_name",
    "iban",
    "bic",
]

CREDIT_INTRO = {
    "de": "Hiermit stornieren wir die Rechnung {number} vom {date}.",
    "en": "We hereby cancel invoice {number} of {date}.",
}


class InvoiceStateError(ValueError):
    """The invoice is not in a state that allows this action."""


def _address(customer: Customer) -> str:
    country = (
        ""
        if customer.country.code == "DE"
        else dict(countries).get(customer.country.code, "").upper()
    )
    lines = [
        customer.company,
        customer.street,
        f"{customer.zip_code} {customer.city}".strip(),
        country,
    ]
    return "\n".join(line for line in lines if line)


def _seller_snapshot(seller: SellerProfile) -> dict:
    snapshot = {name: getattr(seller, name) for name in SELLER_FIELDS}
    # one line "Amtsgericht Osnabrück HRB 12345" for layouts that print the register whole
    snapshot["register"] = " ".join(
        part for part in (seller.register_court, seller.register_number) if part
    )
    return snapshot


def _breakdown(totals) -> list[dict]:
    return [
        {"rate": f"{rate:.2f}", "net": f"{part.net:.2f}", "tax": f"{part.tax:.2f}"}
        for rate, part in totals.tax_by_rate.items()
    ]


def _issue_locked(
    *,
    actor,
    invoice: Invoice,
    on: date | None,
    seller: SellerProfile,
    snapshot_from: Invoice | None,
) -> Invoice:
    lines = list(invoice.lines.all())
    if not lines:
        raise InvoiceStateError("an invoice without lines cannot be issued")
    totals = invoice_totals(lines)
    on = on or timezone.localdate()
    customer = None if snapshot_from else Customer.objects.get(pk=invoice.customer_id)
    issue_check(invoice=invoice, gross=totals.gross, on=on, profile=seller, customer=customer)
    range_code = invoice.kind  # the pattern in force on the day (number_ranges.py)
    pattern = pattern_in_force(seller, range_code, on)
    number = number_allocate(range_code=range_code, pattern=pattern, on=on)
    if snapshot_from is not None:  # a credit note repeats the original's parties
        source = snapshot_from
        fields = {
            "customer_number": source.customer_number,
            "customer_name": source.customer_name,
            "address": source.address,
            "customer_vat_id": source.customer_vat_id,
            "customer_email": source.customer_email,
            "language": source.language,
            "payment_terms_days": 0,
            "tax_treatment": source.tax_treatment,
            "tax_note": source.tax_note,
            "intro_text": CREDIT_INTRO.get(source.language, CREDIT_INTRO["de"]).format(
                number=source.number, date=source.invoice_date.strftime("%d.%m.%Y")
            ),
            "closing_text": "",
        }
    else:
        fields = {
            "customer_number": customer.number,
            "customer_name": customer.company,
            "address": _address(customer),
            "customer_vat_id": customer.vat_id,
            "customer_email": customer.email,
            "language": customer.language,
            "payment_terms_days": customer.payment_terms_days,
            "tax_treatment": invoice.tax_treatment,  # equal to the customer's (checked above)
            # tax note, greeting, consumer note (document_texts.py, issue 10)
            **issued_texts(customer=customer, treatment=invoice.tax_treatment, lines=lines),
        }
    fields.update(
        number=number,
        status=Invoice.Status.ISSUED,
        invoice_date=on,
        due_date=on + timedelta(days=fields["payment_terms_days"]),
        seller=_seller_snapshot(seller),
        net_total=totals.net,
        tax_total=totals.tax,
        gross_total=totals.gross,
        tax_breakdown=_breakdown(totals),
        issued_at=timezone.now(),
    )
    Invoice.objects.filter(pk=invoice.pk, status=Invoice.Status.DRAFT).update(**fields)
    invoice.refresh_from_db()
    invoice_pdf_store(invoice, render_invoice_pdf(invoice))
    audit_record(
        actor=actor,
        action="credit_note.issued"
        if invoice.kind == Invoice.Kind.CREDIT_NOTE
        else "invoice.issued",
        obj=invoice,
        customer_id=invoice.customer_id,
        changes={"number": ["", number], "gross": ["", f"{invoice.gross_total:.2f}"]},
    )
    return invoice


def invoice_issue(*, actor, invoice: Invoice, on: date | None = None) -> Invoice:
    """Number, snapshot and render a draft. All or nothing.

    ``on`` is the invoice date: the day of issue unless given, and then only within the
    window of ``issue_rules.invoice_date_check``; raises :class:`IssueRefused` when a rule
    of ``issue_rules`` is not met."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != Invoice.Status.DRAFT:
            raise InvoiceStateError(
                f"invoice {locked} is {locked.status}, only drafts can be issued"
            )
        return _issue_locked(
            actor=actor, invoice=locked, on=on, seller=SellerProfile.current(), snapshot_from=None
        )


def invoice_cancel(*, actor, invoice: Invoice, on: date | None = None) -> Invoice:
    """Cancel an issued invoice by a credit note; the periods it billed become due again."""
    with transaction.atomic():
        original = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not original.can_be_cancelled:
            raise InvoiceStateError(f"{original} cannot be cancelled in state {original.status}")
        credit = Invoice.objects.create(
            kind=Invoice.Kind.CREDIT_NOTE,
            cancels=original,
            customer_id=original.customer_id,
            run_date=on or timezone.localdate(),
            language=original.language,
            tax_treatment=original.tax_treatment,
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=credit,
                    position=line.position,
                    kind=line.kind,
                    contract_id=line.contract_id,
                    one_off_item_id=line.one_off_item_id,
                    usage_component_id=line.usage_component_id,
                    description=line.description,
                    period_start=line.period_start,
                    period_end=line.period_end,
                    quantity=-line.quantity,  # −1 × 57,00 = −57,00: the unit price stays as billed
                    unit=line.unit,
                    unit_price=line.unit_price,
                    net=-line.net,
                    tax_rate=line.tax_rate,
                    bills=False,
                )
                for line in original.lines.all()
            ]
        )
        original.lines.update(bills=False)  # reopens the periods (allowed by the triggers)
        Invoice.objects.filter(pk=original.pk).update(status=Invoice.Status.CANCELLED)
        audit_record(
            actor=actor,
            action="invoice.cancelled",
            obj=original,
            customer_id=original.customer_id,
            changes={"status": [original.status, Invoice.Status.CANCELLED]},
        )
        return _issue_locked(
            actor=actor,
            invoice=credit,
            on=on,
            seller=SellerProfile.current(),
            snapshot_from=original,
        )


def invoice_mark_paid(*, actor, invoice: Invoice, paid_on: date) -> Invoice:
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not locked.is_open:
            raise InvoiceStateError(f"{locked} cannot be marked paid in state {locked.status}")
        paid_at = timezone.make_aware(datetime.combine(paid_on, time(12)))
        Invoice.objects.filter(pk=locked.pk).update(status=Invoice.Status.PAID, paid_at=paid_at)
        audit_record(
            actor=actor,
            action="invoice.paid",
            obj=locked,
            customer_id=locked.customer_id,
            changes={
                "status": [locked.status, Invoice.Status.PAID],
                "paid_on": ["", paid_on.isoformat()],
            },
        )
    locked.refresh_from_db()
    return locked


def invoice_delete_draft(*, actor, invoice: Invoice) -> None:
    """Discard a draft; what it would have billed is due again."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != Invoice.Status.DRAFT:
            raise InvoiceStateError(f"{locked} is issued; cancel it by a credit note instead")
        audit_record(
            actor=actor,
            action="invoice.draft_deleted",
            obj=locked,
            customer_id=locked.customer_id,
            changes={"gross": [f"{locked.gross_total:.2f}", ""]},
        )
        locked.delete()
