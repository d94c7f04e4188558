import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.billing.models import BillingRun, Invoice
from hostkontor.billing.run_issuing import billing_run_issue
from hostkontor.billing.run_report import (
    drafts_report,
    json_chunks,
    report_order,
    saved_invoices,
)
from hostkontor.billing.runs import (
    RunDateError,
    billing_preview,
    billing_run_create,
    billing_run_execute,
    run_date_check,
)

OUTCOME = (
    "invoices_created",
    "invoices_issued",
    "issue_failures",
    "invoices_sent",
    "send_failures",
)


def _date(value: str) -> date:
    """argparse type: a bad date is a usage error naming the value, not a traceback."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in format YYYY-MM-DD") from None


def _run_summary(run: BillingRun, errors: list[str]) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        **{name: getattr(run, name) for name in OUTCOME},
        "errors": errors,
    }


class Command(BaseCommand):
    help = (
        "Bill every due contract period, setup fee, usage and one-off item for --date: one draft "
        "invoice per customer (--dry-run: only show); --issue numbers them and every draft left "
        "by earlier runs up to --date and stores their PDFs; --send also e-mails them. Exits 1 "
        "when an invoice could not be issued or sent (the others are kept)."
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
        parser.add_argument(
            "--allow-future",
            action="store_true",
            help="allow a date further ahead than HOSTKONTOR_BILLING_HORIZON_DAYS (366)",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    @no_translations  # commands print English (README); documents keep their own language
    def handle(self, *, date: date, dry_run: bool, issue: bool, send: bool, **options):
        """Check, run, then print the report and exit 1 if anything was not issued/sent."""
        if dry_run and (issue or send):
            raise CommandError("--dry-run cannot be combined with --issue or --send")
        try:
            run_date_check(date, allow_future=options["allow_future"])
        except RunDateError as error:
            raise CommandError(
                f"--date {date}: more than {error.days} days ahead of today (after "
                f"{error.horizon}); pass --allow-future if you mean it"
            ) from None
        head = {"date": date.isoformat()}
        if dry_run:
            entries = drafts_report(date, billing_preview(run_date=date))["invoices"]
            self._print(head, entries, {}, options["format"], "would bill")
            return
        run, invoices, errors = self._run(date, issue, send)
        tail = {"run": _run_summary(run, errors)}
        entries = saved_invoices(report_order(invoices))
        self._print(head, entries, tail, options["format"], "billed")
        for error in errors:
            self.stderr.write(error)
        if errors:
            raise CommandError(
                f"billing run {run.pk} finished with errors: {run.issue_failures} not issued, "
                f"{run.send_failures} not sent"
            )

    def _run(self, date: date, issue: bool, send: bool) -> tuple[BillingRun, list, list]:
        run = billing_run_create(actor=None, run_date=date, issue=issue or send, send=send)
        invoices = billing_run_execute(run=run)
        errors: list[str] = []
        if run.issue:
            # also the drafts earlier runs left for review (a run, then a run with --issue)
            invoices += list(
                Invoice.objects.filter(
                    status=Invoice.Status.DRAFT, kind=Invoice.Kind.INVOICE, run_date__lte=date
                )
                .exclude(billing_run=run)
                .order_by("customer__number", "pk")
            )
            errors = billing_run_issue(run=run, invoices=invoices).errors
        run.refresh_from_db()
        return run, invoices, errors

    def _print(self, head: dict, entries, tail: dict, format: str, state: str) -> None:
        """The report, one invoice at a time (a run of 20,000 customers prints 20,000)."""
        if format == "json":
            for chunk in json_chunks(head, entries, tail):
                self.stdout.write(chunk, ending="")
            self.stdout.write("")
            return
        count = 0
        for invoice in entries:
            count += 1
            self.stdout.write(
                f"{invoice['customer_number']}  {invoice['number'] or '(draft)':<16} "
                f"{len(invoice['lines']):>3} lines  net {invoice['net']:>10}  gross {invoice['gross']:>10}"
            )
        self.stdout.write(f"{head['date']}: {state} {count} invoices")
        run = tail.get("run")
        if run is None:
            return
        self.stdout.write(
            f"run {run['id']}: {run['status']}; issued {run['invoices_issued']}, not issued "
            f"{run['issue_failures']}, sent {run['invoices_sent']}, not sent {run['send_failures']}"
        )
        if Invoice.objects.filter(status=Invoice.Status.DRAFT).exists():
            self.stdout.write("drafts waiting; issue them in the UI or rerun with --issue")
