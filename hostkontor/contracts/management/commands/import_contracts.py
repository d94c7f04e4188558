from pathlib import Path

from django.core.management.base import BaseCommand, no_translations

from hostkontor.contracts.csv_import import COLUMNS, contracts_import
from hostkontor.imports.bulk import gc_paused
from hostkontor.imports.command_line import bad_file, read_input
from hostkontor.imports.csv_table import ImportErrors


class Command(BaseCommand):
    help = (
        f"Import contracts from CSV ({','.join(COLUMNS)}). Updates by reference; "
        "unknown contract types are created. All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    @no_translations  # commands print English (README), for scripts
    def handle(self, *, file: Path, **options):
        data = read_input(file)
        try:
            with gc_paused():  # no GC pauses over 100,000 rows
                result = contracts_import(actor=None, data=data, filename=file.name)
        except ImportErrors as error:
            raise bad_file(error.errors, filename=file.name, shown_as=file) from None
        for name in result.types_created:
            self.stdout.write(
                f"created contract type '{name}' (category other): check its defaults"
            )
        self.stdout.write(
            f"{file.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
