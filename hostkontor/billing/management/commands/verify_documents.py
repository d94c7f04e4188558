import json

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.billing.document_verification import documents_verify


class Command(BaseCommand):
    help = (
        "Check every stored invoice document against the SHA-256 recorded at issue; "
        "exit 1 if any is missing or altered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    @no_translations  # commands print English (README)
    def handle(self, *args, **options):
        report = documents_verify()
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for finding in report.findings:
                self.stdout.write(f"{finding.problem:<8} {finding.number}  {finding.path}")
            self.stdout.write(
                f"checked {report.checked}, ok {report.ok}, missing {report.missing}, "
                f"altered {report.altered}"
            )
        if report.missing or report.altered:
            raise CommandError(
                f"{report.missing} stored documents missing, {report.altered} altered"
            )
