"""What must hold before a document is issued; an issued document can only be cancelled.

Each rule refuses with :class:`IssueRefused` and a translated message saying what to do.
``invoice_issue`` and ``invoice_cancel`` (``invoices.py``) check them inside their
transaction, before a number is taken, so every way of issuing (the invoice page, the CLI
``billing_run --issue``, the automatic run) obeys them. ``docs/invoicing-law.md`` lists them.

- Seller: the profile has what §14 (4) UStG requires (name, address, a tax number or VAT
  id, the VAT id for reverse charge) and the bank details invoices are paid to.
- Tax treatment (§14c UStG): the draft's lines were taxed for the treatment stored on the
  draft; if the customer's treatment changed since, issuing would show the wrong tax.
- Date: the invoice date is the day of issue, earlier only within
  ``HOSTKONTOR_INVOICE_DATE_WINDOW_DAYS`` and never in a closed period; the number range
  year follows the invoice date, so no number of a future year is used up.
- Amount: an invoice with a negative total is refused (a cancellation corrects invoices).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hostkontor.customers.models import Customer
from hostkontor.customers.tax import TaxTreatment, derive_tax_treatment

from .models import Invoice, SellerProfile
from .seller_profile import seller_missing


class IssueRefused(ValueError):
    """Issuing would produce a wrong document; the message says why and what to do."""


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def seller_check(profile: SellerProfile, *, treatment: str, credit_note: bool = False) -> None:
    missing = seller_missing(
        profile,
        reverse_charge=treatment == TaxTreatment.EU_REVERSE_CHARGE,
        bank=not credit_note,  # invoices are paid by transfer: there is no direct debit yet
    )
    if missing:
        raise IssueRefused(
            _(
                "Not issued: the invoice settings lack %(missing)s. Complete them under "
                "Invoice settings (or `manage.py seller_profile --file seller.toml`)."
            )
            % {"missing": ", ".join(missing)}
        )


def customer_treatment(customer: Customer, profile: SellerProfile) -> str:
    """The customer's treatment now, from the profile's country (not a stored value that a
    change of the seller's country could have left behind)."""
    return derive_tax_treatment(
        country=customer.country.code,
        vat_id=customer.vat_id,
        seller_country=profile.country,
        is_business=customer.is_business,
    )


def treatment_check(*, draft_treatment: str, customer: Customer, profile: SellerProfile) -> None:
    current = customer_treatment(customer, profile)
    if current != draft_treatment:
        raise IssueRefused(
            _(
                "Not issued: the draft for %(customer)s was taxed as “%(draft)s”, but the "
                "customer's tax treatment is now “%(current)s” (country or VAT id changed). "
                "Delete the draft and run billing again so the lines are taxed correctly."
            )
            % {
                "customer": f"{customer.number} {customer.company}",
                "draft": TaxTreatment(draft_treatment).label,
                "current": TaxTreatment(current).label,
            }
        )


def invoice_date_check(*, on: date, today: date, profile: SellerProfile) -> None:
    """``on`` is the document date asked for; ``today`` the day of issue."""
    window = settings.INVOICE_DATE_WINDOW_DAYS
    if on > today:
        raise IssueRefused(
            _("Not issued: the invoice date %(date)s is in the future; it is the day of issue.")
            % {"date": _day(on)}
        )
    if on < today - timedelta(days=window):
        raise IssueRefused(
            _(
                "Not issued: the invoice date %(date)s is more than %(days)s days before today "
                "(HOSTKONTOR_INVOICE_DATE_WINDOW_DAYS); the invoice date is the day of issue."
            )
            % {"date": _day(on), "days": window}
        )
    closed = profile.books_closed_until
    if closed is not None and on <= closed:
        raise IssueRefused(
            _("Not issued: the books are closed until %(closed)s; %(date)s lies in that period.")
            % {"closed": _day(closed), "date": _day(on)}
        )


def total_check(gross: Decimal) -> None:
    if gross < 0:
        raise IssueRefused(
            _(
                "Not issued: the total is negative (%(gross)s). An invoice cannot be negative; "
                "cancel the invoice it corrects instead, or bill the reduction together "
                "with other charges."
            )
            % {"gross": f"{gross:.2f}"}
        )


def issue_check(
    *, invoice: Invoice, gross: Decimal, on: date, profile: SellerProfile, customer
) -> None:
    """Every rule for issuing ``invoice`` dated ``on``; ``customer`` is None for a
    cancellation invoice (it repeats the original's parties and treatment)."""
    invoice_date_check(on=on, today=timezone.localdate(), profile=profile)
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    seller_check(profile, treatment=invoice.tax_treatment, credit_note=credit_note)
    if not credit_note:
        total_check(gross)
    if customer is not None:
        treatment_check(draft_treatment=invoice.tax_treatment, customer=customer, profile=profile)
