"""Billing benchmark: 20,000 customers, 100,000 contracts, one run on a date where every
contract is due; compared with a plain bulk insert of the same invoice and line rows.

The run is measured three ways on copies of the same data: the service alone, the
``billing_run`` command a user types (real, with its JSON report of every invoice), and the
task a run started on the web page executes.
"""

import json
import resource
import shutil
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from hostkontor.billing.engine import add_months
from hostkontor.contracts.models import Contract, ContractType
from hostkontor.customers.models import Customer

from .models import Invoice, InvoiceLine
from .runs import billing_run_create, billing_run_execute
from .tasks import execute_billing_run

CUSTOMERS = 20_000
CONTRACTS = 100_000
RUN_DATE = date(2027, 1, 1)
UNITS = ["month", "quarter", "half_year", "year", "two_years"]
INTERVALS = ["month", "quarter", "half_year", "year"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup() -> None:
    started = time.perf_counter()
    contract_type = ContractType.objects.create(name="Bench")
    Customer.objects.bulk_create(
        [
            Customer(number=f"B{i:06d}", company=f"Bench {i}", city="Hilter")
            for i in range(CUSTOMERS)
        ],
        batch_size=5000,
    )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    contracts = []
    for i in range(CONTRACTS):
        interval = INTERVALS[i % len(INTERVALS)]
        arrears = i % 3 == 0
        months = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[interval]
        # advance: starts on the run date; arrears: its first period ended the day before
        start = add_months(RUN_DATE, -months) if arrears else RUN_DATE
        contracts.append(
            Contract(
                customer_id=ids[i % CUSTOMERS],
                reference=f"BV-{i:07d}",
                contract_type=contract_type,
                start=start,
                setup_fee=Decimal("25.00") if i % 4 == 0 else Decimal("0.00"),
                fee=Decimal(5 + i % 50) + Decimal("0.99"),
                fee_unit=UNITS[i % len(UNITS)],
                interval=interval,
                mode="arrears" if arrears else "advance",
                alignment="calendar" if i % 5 == 0 else "anniversary",
                quantity=Decimal(1 + i % 3),
            )
        )
        if len(contracts) == 10_000:
            Contract.objects.bulk_create(contracts)
            contracts = []
    Contract.objects.bulk_create(contracts)
    print(
        f"setup: {CUSTOMERS} customers, {CONTRACTS} contracts in {time.perf_counter() - started:.1f} s"
    )
    # keep pristine copies for the floor, the command and the web run
    connection.close()
    db = Path(settings.DATABASES["default"]["NAME"])
    for copy in COPIES:
        shutil.copy(db, db.with_suffix(f".{copy}.sqlite3"))


def _use_copy(name: str) -> None:
    db = Path(settings.DATABASES["default"]["NAME"])
    settings.DATABASES["default"]["NAME"] = str(db.with_suffix(f".{name}.sqlite3"))
    connection.close()


def run() -> None:
    started = time.perf_counter()
    invoices = billing_run_execute(run=billing_run_create(actor=None, run_date=RUN_DATE))
    seconds = time.perf_counter() - started
    lines = InvoiceLine.objects.count()
    print(
        f"run: {len(invoices)} invoices, {lines} lines for {CONTRACTS} contracts in {seconds:.1f} s "
        f"= {CONTRACTS / seconds:,.0f} contracts/s; peak memory {_peak_mb():.0f} MB"
    )
    Path(settings.DATABASES["default"]["NAME"]).with_suffix(".result").write_text(
        f"{seconds} {len(invoices)} {lines}"
    )


def command() -> None:
    """``billing_run --date … --format json``, real: the run plus the report of every invoice,
    written to a file as a user's shell would (the memory figure is taken before reading it)."""
    _use_copy("command")
    output = Path(settings.DATABASES["default"]["NAME"]).with_suffix(".json")
    started = time.perf_counter()
    with output.open("w") as out:
        call_command("billing_run", "--date", RUN_DATE.isoformat(), "--format", "json", stdout=out)
    seconds, peak = time.perf_counter() - started, _peak_mb()
    report = json.loads(output.read_text())
    lines = sum(len(invoice["lines"]) for invoice in report["invoices"])
    print(
        f"command: billing_run reported {len(report['invoices'])} invoices, {lines} lines "
        f"({report['run']['status']}) in {seconds:.1f} s; peak memory {peak:.0f} MB"
    )


def web() -> None:
    """The task a run started on the web page executes (the worker's side of the button)."""
    _use_copy("web")
    run = billing_run_create(actor=None, run_date=RUN_DATE)
    started = time.perf_counter()
    result = execute_billing_run.call(run.pk)
    seconds = time.perf_counter() - started
    print(
        f"web run (task): {result['invoices']} invoices, {result['lines']} lines "
        f"({result['status']}) in {seconds:.1f} s; peak memory {_peak_mb():.0f} MB"
    )


def floor() -> None:
    """The same number of invoice and line rows, written with a plain bulk insert."""
    db = Path(settings.DATABASES["default"]["NAME"])
    run_seconds, invoice_count, line_count = db.with_suffix(".result").read_text().split()
    _use_copy("floor")
    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    contract_ids = list(Contract.objects.order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    with transaction.atomic():
        invoices = Invoice.objects.bulk_create(
            [
                Invoice(customer_id=customer_ids[i % len(customer_ids)], run_date=RUN_DATE)
                for i in range(int(invoice_count))
            ],
            batch_size=5000,
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=invoices[i % len(invoices)],
                    position=i // len(invoices) + 1,
                    kind="period",
                    contract_id=contract_ids[i % len(contract_ids)],
                    description="Bench",
                    period_start=RUN_DATE + timedelta(days=i // len(contract_ids)),
                    period_end=RUN_DATE + timedelta(days=i // len(contract_ids)),
                    quantity=1,
                    net=Decimal("1.00"),
                    tax_rate=Decimal("19.00"),
                )
                for i in range(int(line_count))
            ],
            batch_size=5000,
        )
    seconds = time.perf_counter() - started
    print(
        f"floor: bulk insert of {invoice_count} invoices + {line_count} lines in {seconds:.1f} s; "
        f"run/floor = {float(run_seconds) / seconds:.1f}"
    )


COPIES = ["floor", "command", "web"]
STEPS = ["setup", "run", "command", "web", "floor"]
