"""``python manage.py run_checks [--customer NUMBER] [--format json]``: run the enabled
function checks now (concurrently, at most ``CHECKS_PER_HOST`` per server), record and audit
the results and print them. Exit status 1 when any check fails, so cron and monitoring see it."""

import json

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.checks.models import Check
from hostkontor.checks.services import checks_run
from hostkontor.customers.models import Customer


def _row(check: Check, run) -> dict:
    entry = check.entry
    return {
        "entry": entry.display_name,
        "type": entry.service_type,
        "host": entry.host,
        "ok": run.ok,
        "category": run.category or None,
        "latency_ms": run.latency_ms,
        "check_id": check.pk,
        "kind": check.kind,
        "port": entry.effective_port,
        "tls": entry.tls_mode,
        "message": run.message,
    }


class Command(BaseCommand):
    help = "Run function checks now and print the results (exit status 1 if any fails)."

    def add_arguments(self, parser):
        parser.add_argument("--customer", metavar="NUMBER", help="only this customer's checks")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    @no_translations  # commands print English (README)
    def handle(self, *, customer: str | None, format: str, **options):  # noqa: A002
        checks = Check.objects.select_related("entry", "entry__customer").filter(enabled=True)
        if customer:
            if not Customer.objects.filter(number=customer).exists():
                raise CommandError(f"no customer with number {customer!r}")
            checks = checks.filter(entry__customer__number=customer)
        checks = list(checks.order_by("entry__customer__number", "entry__host", "id"))
        runs = checks_run(checks, via="cli")
        failing = sum(1 for run in runs if not run.ok)
        if format == "json":
            rows = [_row(check, run) for check, run in zip(checks, runs, strict=True)]
            self.stdout.write(json.dumps({"checks": rows}, ensure_ascii=False))
        else:
            for check, run in zip(checks, runs, strict=True):
                state = "OK  " if run.ok else "FAIL"
                self.stdout.write(
                    f"{state} {check.entry.customer.number} {check.entry.service_type:<5} "
                    f"{check.entry.display_name} ({run.latency_ms} ms)"
                    f"{'' if run.ok else ': ' + run.message}"
                )
            self.stdout.write(f"{len(runs)} check(s), {failing} failing")
        if failing:
            raise SystemExit(1)
