"""Demo billing: the agency's own invoice data and one month already billed."""

from datetime import date

from django.db import transaction

from .invoices import invoice_issue, invoice_mark_paid
from .models import BillingRun, SellerProfile
from .runs import billing_run_create, billing_run_execute

DEMO_RUN_DATE = date(2026, 11, 1)
ISSUED = 12  # the first invoices are issued (and some paid), the rest wait as drafts


def build(stdout=None) -> int:
    with transaction.atomic():
        profile = SellerProfile.current()
        if profile.company == SellerProfile._meta.get_field("company").default:
            for name, value in {
                "company": "Kahl Internet Services GmbH",
                "street": "Am Bahnhof 3",
                "zip_code": "49176",
                "city": "Hilter",
                "vat_id": "DE136695976",
                "tax_number": "66/201/12345",
                "register": "Amtsgericht Osnabrück HRB 12345",
                "managing_directors": "Sönke Kahl",
                "email": "rechnung@kahl-internet.example",
                "phone": "+49 5424 1234-0",
                "website": "https://www.kahl-internet.example",
                "bank_name": "Sparkasse Osnabrück",
                "iban": "DE89370400440532013000",
                "bic": "COBADEFFXXX",
            }.items():
                setattr(profile, name, value)
            profile.save()
    if BillingRun.objects.filter(run_date=DEMO_RUN_DATE).exists():
        return 0
    invoices = billing_run_execute(run=billing_run_create(actor=None, run_date=DEMO_RUN_DATE))
    for index, invoice in enumerate(invoices[:ISSUED]):
        issued = invoice_issue(actor=None, invoice=invoice, on=DEMO_RUN_DATE)
        if index % 3 == 0:
            invoice_mark_paid(actor=None, invoice=issued, paid_on=date(2026, 11, 10))
    if stdout:
        stdout.write(
            f"billing: run {DEMO_RUN_DATE}: {len(invoices)} invoices, {min(ISSUED, len(invoices))} issued"
        )
    return len(invoices)
