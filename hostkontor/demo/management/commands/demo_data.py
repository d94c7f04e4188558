from django.core.management.base import BaseCommand
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


class Command(BaseCommand):
    help = "Create a realistic German agency/ISP demo data set (idempotent: existing objects are kept)."

    def handle(self, **options):
        from hostkontor.vault.keys import ensure_embedded_key

        ensure_embedded_key()  # demo passwords are encrypted; the embedded default needs a key
        for path in BUILDERS:
            import_string(path)(stdout=self.stdout)
