import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hostkontor.imports import ImportFormatError, MappingError
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
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--format", choices=BUILTIN_FORMATS, help="built-in format")
        source.add_argument(
            "--mapping-file", type=Path, help="user-defined format (TOML, see docs/usage.md)"
        )
        parser.add_argument("file", type=Path)
        parser.add_argument("--format-out", choices=["text", "json"], default="text")

    def handle(self, *, format, mapping_file, file, format_out, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from None
        mapping = None
        if mapping_file is not None:
            try:
                mapping = mapping_file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"{mapping_file}: {error}") from None
        try:
            record = usage_import(
                actor=None, data=data, filename=file.name, format=format, mapping=mapping
            )
        except (UsageFormatError, ImportFormatError) as error:
            raise CommandError(f"nothing imported: {error}") from None
        except MappingError as error:
            raise CommandError(f"{mapping_file}: {error}") from None
        report = import_report(record)
        if format_out == "json":
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
