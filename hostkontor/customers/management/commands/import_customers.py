from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from hostkontor.customers.csv_import import customers_import
from hostkontor.imports.bulk import gc_paused
from hostkontor.imports.csv_table import ImportErrors


class Command(BaseCommand):
    help = (
        "Import customers from CSV (customer_number,company,street,zip,city,country,email,vat_id,"
        "language). Updates by customer_number. All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            # English on the command line, for scripts; no GC pauses over 100,000 rows
            with translation.override(None), gc_paused():
                result = customers_import(actor=None, data=data, filename=file.name)
        except ImportErrors as error:
            raise CommandError(f"nothing imported:\n{error}") from None
        self.stdout.write(
            f"{file.name}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
