"""``python manage.py run_checks [--customer NUMBER] [--format json]``: run the enabled
function checks now (concurrently), record the results and print them."""

import json

from django.core.management.base import BaseCommand, CommandError

from hostkontor.checks.models import Check
from hostkontor.checks.services import checks_run
from hostkontor.customers.models import Customer


class Command(BaseCommand):
    help = "Run function checks now and print the results."

    def add_arguments(self, parser):
        parser.add_argument("--customer", metavar="NUMBER", help="only this customer's checks")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *, customer: str | None, format: str, **options):  # noqa: A002
        checks = Check.objects.select_related("entry", "entry__customer").filter(enabled=True)
        if customer:
            if not Customer.objects.filter(number=customer).exists():
                raise CommandError(f"no customer with number {customer!r}")
            checks = checks.filter(entry__customer__number=customer)
        checks = list(checks.order_by("entry__customer__number", "entry__host", "id"))
        runs = checks_run(checks)
        rows = [
            {
                "entry": check.entry.display_name,
                "type": check.entry.service_type,
                "host": check.entry.host,
                "ok": run.ok,
                "category": run.category or None,
                "latency_ms": run.latency_ms,
            }
            for check, run in zip(checks, runs, strict=True)
        ]
        if format == "json":
            self.stdout.write(json.dumps({"checks": rows}, ensure_ascii=False))
            return
        for check, run in zip(checks, runs, strict=True):
            state = "OK  " if run.ok else "FAIL"
            self.stdout.write(
                f"{state} {check.entry.customer.number} {check.entry.service_type:<5} "
                f"{check.entry.display_name} ({run.latency_ms} ms){'' if run.ok else ': ' + run.message}"
            )
        failing = sum(1 for run in runs if not run.ok)
        self.stdout.write(f"{len(runs)} check(s), {failing} failing")
