"""Demo data left in the real database by an earlier version, whose first ``make run`` loaded
it there: its demo invoices hold the first numbers of the real ranges. ``start`` says so
instead of letting a live install grow on top of it."""

from django.conf import settings


def demo_leftovers_warning() -> str | None:
    """What to do about demo data found in the real database, or None."""
    from hostkontor.billing.demo import SELLER
    from hostkontor.billing.models import Invoice, SellerProfile

    if settings.DEMO:
        return None
    if not SellerProfile.objects.filter(
        company=SELLER["company"], vat_id=SELLER["vat_id"]
    ).exists():
        return None
    issued = Invoice.objects.exclude(number=None).count()
    return (
        f"This database holds the demo data of an earlier `make run` (seller "
        f"{SELLER['company']}, {issued} issued documents in the real number ranges): it is "
        f"not fit for real invoices. To start clean, stop, move "
        f"{settings.DATABASES['default']['NAME']} away and run `make run` again; "
        "to try Hostkontor, use `make demo`."
    )
