import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from hostkontor.billing.invoices import invoice_issue
from hostkontor.billing.models import Invoice
from hostkontor.billing.run_report import drafts_report, invoices_report
from hostkontor.billing.runs import billing_preview, billing_run_create, billing_run_execute
from hostkontor.billing.sending import invoice_send


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date in format YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Bill every due contract period, setup fee, usage and one-off item for --date: one draft "
        "invoice per customer (--dry-run: only show); --issue numbers them and every draft left "
        "by earlier runs up to --date and stores their PDFs; --send also e-mails them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, type=_date)
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be billed; save nothing"
        )
        parser.add_argument("--issue", action="store_true", help="issue the created invoices")
        parser.add_argument(
            "--send", action="store_true", help="issue and e-mail the created invoices"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *, date: date, dry_run: bool, issue: bool, send: bool, format: str, **options):
        if dry_run and (issue or send):
            raise CommandError("--dry-run cannot be combined with --issue or --send")
        if dry_run:
            report = drafts_report(date, billing_preview(run_date=date))
        else:
            run = billing_run_create(actor=None, run_date=date, issue=issue or send, send=send)
            invoices = billing_run_execute(run=run)
            failures = []
            if issue or send:
                # also the drafts earlier runs left for review (a run, then a run with --issue)
                created = {i.pk for i in invoices}
                invoices += list(
                    Invoice.objects.filter(
                        status=Invoice.Status.DRAFT, kind=Invoice.Kind.INVOICE, run_date__lte=date
                    )
                    .exclude(pk__in=created)
                    .order_by("customer__number", "pk")
                )
                for invoice in invoices:
                    issued = invoice_issue(actor=None, invoice=invoice, on=date)
                    if send:
                        result = invoice_send(actor=None, invoice=issued)
                        if not result.ok:
                            failures.append(f"{issued.number}: {result.error}")
            report = invoices_report(date, [i.pk for i in invoices])
            for failure in failures:
                self.stderr.write(f"not sent: {failure}")
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        for invoice in report["invoices"]:
            self.stdout.write(
                f"{invoice['customer_number']}  {invoice['number'] or '(draft)':<16} "
                f"{len(invoice['lines']):>3} lines  net {invoice['net']:>10}  gross {invoice['gross']:>10}"
            )
        state = "would bill" if dry_run else "billed"
        self.stdout.write(f"{date}: {state} {len(report['invoices'])} invoices")
        if (
            not dry_run
            and Invoice.objects.filter(status=Invoice.Status.DRAFT).exists()
            and not (issue or send)
        ):
            self.stdout.write("drafts created; issue them in the UI or rerun with --issue")
