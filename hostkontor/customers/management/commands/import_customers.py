from pathlib import Path

from django.core.management.base import BaseCommand, no_translations

from hostkontor.customers.csv_import import customers_import
from hostkontor.imports.bulk import gc_paused
from hostkontor.imports.command_line import bad_file, read_input
from hostkontor.imports.csv_table import ImportErrors


class Command(BaseCommand):
    help = (
        "Import customers from CSV (customer_number,company,street,zip,city,country,email,vat_id,"
        "language). Updates by customer_number. All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    @no_translations  # commands print English (README), for scripts
    def handle(self, *, file: Path, **options):
        data = read_input(file)
        try:
            with gc_paused():  # no GC pauses over 100,000 rows
                result = customers_import(actor=None, data=data, filename=file.name)
        except ImportErrors as error:
            raise bad_file(error.errors, filename=file.name, shown_as=file) from None
        self.stdout.write(
            f"{file.name}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
