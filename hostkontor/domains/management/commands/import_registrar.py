"""Import a registrar's domain list and reconcile it with Hostkontor (docs/imports.md)."""

import json

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.domains.mappings import mapping_load
from hostkontor.domains.models import RegistrarMapping
from hostkontor.domains.parsers import PARSERS
from hostkontor.domains.reconciliation import APPLY_MODES, KINDS, registrar_import
from hostkontor.imports.command_line import (
    add_input_source,
    add_output_format,
    bad_file,
    formats_resolve,
    read_input,
)
from hostkontor.imports.errors import ImportFormatError, MappingError
from hostkontor.vault.crypto import VaultError


class Command(BaseCommand):
    help = (
        "Import a registrar's domain list (built-in format or a TOML mapping), compare it with "
        "the domains in Hostkontor and store the result. A faulty file changes nothing and "
        "exits non-zero with file, line/record and field."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the registrar's export")
        parser.add_argument("--registrar", required=True, help="registrar name, e.g. joker")
        add_input_source(
            parser,
            input_formats=PARSERS,
            mapping_help="a mapping as TOML file (docs/imports.md)",
            stored=True,
        )
        parser.add_argument(
            "--apply",
            choices=APPLY_MODES,
            default=None,
            help="none: only compare; safe: take over expiry dates "
            "(default: the registrar's setting)",
        )
        parser.add_argument(
            "--allow-empty",
            action="store_true",
            help="accept a list without records (marks every domain of the registrar as "
            "missing at the registrar); without it an empty file is rejected",
        )
        add_output_format(parser)

    @no_translations  # commands print English (README)
    def handle(self, *args, **options):
        input_format, output = formats_resolve(options, input_formats=PARSERS, stderr=self.stderr)
        path = options["file"]
        data = read_input(path)
        mapping = mapping_obj = None
        if options["mapping_file"]:
            try:
                mapping = mapping_load(read_input(options["mapping_file"]))
            except MappingError as error:
                raise CommandError(f"{options['mapping_file']}: {error}") from None
        elif options["mapping"]:
            mapping_obj = RegistrarMapping.objects.filter(name__iexact=options["mapping"]).first()
            if mapping_obj is None:
                raise CommandError(f"no stored mapping named {options['mapping']!r}")
        try:
            imp = registrar_import(
                actor=None,
                registrar=options["registrar"],
                data=data,
                filename=path,
                format=input_format,
                mapping=mapping,
                mapping_obj=mapping_obj,
                apply=options["apply"],
                allow_empty=options["allow_empty"],
            )
        except ImportFormatError as error:
            raise bad_file([error], filename=path, shown_as=path) from None
        except MappingError as error:
            raise CommandError(f"mapping: {error}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        except VaultError as error:  # the stored file is encrypted with the vault key
            raise CommandError(f"vault key: {error}") from None
        if output == "json":
            self.stdout.write(json.dumps(imp.result, ensure_ascii=False))
            return
        self.stdout.write(
            f"{imp.result['registrar']}: {imp.records} records, import #{imp.pk} "
            f"(apply: {imp.apply}, {len(imp.applied)} applied)"
        )
        for kind, label in KINDS:
            items = imp.result[kind]
            self.stdout.write(f"{label}: {len(items)}")
            for item in items:
                details = ", ".join(f"{k}={v}" for k, v in item.items() if k != "domain")
                self.stdout.write(f"  {item['domain']}  {details}")
