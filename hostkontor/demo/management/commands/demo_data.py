"""``demo_data``: the demo data set, only into the demo's own database.

Trying Hostkontor and running it for real never share a database: demo invoices are issued,
immutable documents that would take the first numbers of the real ranges. So the command runs
only in demo mode (``HOSTKONTOR_DEMO=1``, ``make demo``: database ``var/demo.sqlite3``), never in
production, and never into a database that holds documents of a real range.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

# Each app contributes its demo objects; later apps build on earlier ones (order matters).
BUILDERS = [
    "hostkontor.customers.demo.build",
    "hostkontor.contracts.demo.build",
    "hostkontor.billing.demo.build",
    "hostkontor.domains.demo.build",
    "hostkontor.usage.demo.build",
    "hostkontor.vault.demo.build",
]


def demo_data_refusal() -> str | None:
    """Why demo data must not go into this installation's database, or None."""
    from hostkontor.billing.demo import NUMBER_PREFIX
    from hostkontor.billing.models import Invoice

    if settings.PRODUCTION:
        return (
            "HOSTKONTOR_ENV=production: demo data is never loaded into a live install "
            "(its invoices would be real documents with real numbers)."
        )
    if not settings.DEMO:
        return (
            "demo data goes only into the demo's own database: run `make demo` "
            "(or HOSTKONTOR_DEMO=1 python manage.py demo_data; database var/demo.sqlite3). "
            f"This is the real database ({settings.DATABASES['default']['NAME']})."
        )
    real = (
        Invoice.objects.exclude(number__isnull=True)
        .exclude(number__startswith=NUMBER_PREFIX)
        .count()
    )
    if real:
        return (
            f"this database holds {real} issued documents numbered in a real range: "
            "demo data goes only into an empty demo database."
        )
    return None


class Command(BaseCommand):
    help = (
        "Create a realistic German agency/ISP demo data set in the demo database "
        "(HOSTKONTOR_DEMO=1; idempotent: existing objects are kept)."
    )

    def handle(self, **options):
        from hostkontor.vault.keys import ensure_embedded_key

        refusal = demo_data_refusal()
        if refusal:
            raise CommandError(f"demo_data refused: {refusal}")
        ensure_embedded_key()  # demo passwords are encrypted; the embedded default needs a key
        for path in BUILDERS:
            import_string(path)(stdout=self.stdout)
