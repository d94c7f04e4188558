from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Each app contributes its demo objects; later apps build on earlier ones (order matters).
BUILDERS = [
    "hostkontor.customers.demo.build",
]


class Command(BaseCommand):
    help = "Create a realistic German agency/ISP demo data set (idempotent: existing objects are kept)."

    def handle(self, **options):
        for path in BUILDERS:
            import_string(path)(stdout=self.stdout)
