from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from hostkontor.contracts.csv_import import COLUMNS, contracts_import
from hostkontor.imports.bulk import gc_paused
from hostkontor.imports.csv_table import ImportErrors


class Command(BaseCommand):
    help = (
        f"Import contracts from CSV ({','.join(COLUMNS)}). Updates by reference; "
        "unknown contract types are created. All rows or none."
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
                result = contracts_import(actor=None, data=data, filename=file.name)
        except ImportErrors as error:
            raise CommandError(f"nothing imported:\n{error}") from None
        for name in result.types_created:
            self.stdout.write(
                f"created contract type '{name}' (category other): check its defaults"
            )
        self.stdout.write(
            f"{file.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
