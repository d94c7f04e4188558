import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.imports import ImportFormatError, MappingError
from hostkontor.imports.command_line import (
    add_input_source,
    add_output_format,
    bad_file,
    formats_resolve,
    read_input,
)
from hostkontor.usage.importing import BUILTIN_FORMATS
from hostkontor.usage.parsers import UsageFormatError
from hostkontor.usage.services import usage_import


def import_report(record) -> dict:
    return {
        "file": record.filename,
        "format": record.format or None,
        "mapping": record.mapping_name or None,
        "records_read": record.records_read,
        "new": record.records_new,
        "duplicate": record.records_duplicate,
        "updated": record.records_updated,
        "unmatched_subjects": list(record.unmatched_subjects),
        "periods_changed": list(record.periods_changed),
    }


class Command(BaseCommand):
    help = (
        "Import a usage export (traffic, disk, ...) with a built-in format or a TOML mapping. "
        "All or nothing: a bad file saves nothing and exits non-zero; re-imports add nothing."
    )

    def add_arguments(self, parser):
        add_input_source(
            parser,
            input_formats=BUILTIN_FORMATS,
            mapping_help="user-defined format (TOML, see docs/usage.md)",
            stored=False,
        )
        parser.add_argument("file", type=Path)
        add_output_format(parser)

    @no_translations  # commands print English (README)
    def handle(self, *, file, mapping_file, **options):
        input_format, output = formats_resolve(
            {**options, "mapping_file": mapping_file},
            input_formats=BUILTIN_FORMATS,
            stderr=self.stderr,
        )
        file = Path(file)
        data = read_input(file)
        mapping = None
        if mapping_file is not None:
            try:
                mapping = read_input(mapping_file).decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise CommandError(f"{mapping_file}: {error}") from None
        try:
            record = usage_import(
                actor=None, data=data, filename=file.name, format=input_format, mapping=mapping
            )
        except (UsageFormatError, ImportFormatError) as error:
            raise bad_file([error], filename=file.name, shown_as=file) from None
        except MappingError as error:
            raise CommandError(f"{mapping_file}: {error}") from None
        report = import_report(record)
        if output == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"records read:           {report['records_read']}")
        self.stdout.write(f"new:                    {report['new']}")
        self.stdout.write(f"duplicate:              {report['duplicate']}")
        self.stdout.write(f"updated:                {report['updated']}")
        unmatched = report["unmatched_subjects"]
        self.stdout.write(f"unmatched subject keys: {', '.join(unmatched) if unmatched else '-'}")
        periods = report["periods_changed"]
        self.stdout.write(f"periods changed:        {len(periods)}")
        for item in periods:
            self.stdout.write(
                f"  {item['contract']} {item['component']} {item['period_start']} – {item['period_end']}"
            )
