"""Demo billing: the agency's own invoice data and one month already billed.

Loaded only into the demo's own database (``demo_data``). Its documents are numbered in
ranges of their own, ``DEMO-…``, so that no demo invoice can ever look like, or take the
place of, a number of the real ranges.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from .invoices import invoice_issue, invoice_mark_paid
from .models import BillingRun, SellerProfile
from .runs import billing_run_create, billing_run_execute

DEMO_RUN_DATE = date(2026, 11, 1)
ISSUED = 12  # the first invoices are issued (and some paid), the rest wait as drafts
NUMBER_PREFIX = "DEMO-"
NUMBER_PATTERN_FIELDS = ("invoice_number_pattern", "credit_note_number_pattern")

SELLER = {
    "company": "Kahl Internet Services GmbH",
    "street": "Am Bahnhof 3",
    "zip_code": "49176",
    "city": "Hilter",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "66/201/12345",
    "register_court": "Amtsgericht Osnabrück",
    "register_number": "HRB 12345",
    "managing_directors": "Sönke Kahl",
    "email": "rechnung@kahl-internet.example",
    "phone": "+49 5424 1234-0",
    "website": "https://www.kahl-internet.example",
    "bank_name": "Sparkasse Osnabrück",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
}


def _seller_profile() -> SellerProfile:
    """The demo seller on a fresh profile, and demo number ranges whatever the profile."""
    profile = SellerProfile.current()
    if not profile.company.strip():
        for name, value in SELLER.items():
            setattr(profile, name, value)
    for name in NUMBER_PATTERN_FIELDS:
        pattern = getattr(profile, name)
        if not pattern.startswith(NUMBER_PREFIX):
            setattr(profile, name, NUMBER_PREFIX + pattern)
    profile.save()
    return profile


def build(stdout=None) -> int:
    with transaction.atomic():
        _seller_profile()
    if BillingRun.objects.filter(run_date=DEMO_RUN_DATE).exists():
        return 0
    # the run date decides what is billed; the documents are dated the day they are issued
    today = timezone.localdate()
    invoices = billing_run_execute(run=billing_run_create(actor=None, run_date=DEMO_RUN_DATE))
    for index, invoice in enumerate(invoices[:ISSUED]):
        issued = invoice_issue(actor=None, invoice=invoice, on=today)
        if index % 3 == 0:
            invoice_mark_paid(actor=None, invoice=issued, paid_on=today)
    if stdout:
        stdout.write(
            f"billing: run {DEMO_RUN_DATE}: {len(invoices)} invoices, {min(ISSUED, len(invoices))} issued"
        )
    return len(invoices)
