"""Billing benchmark: 20,000 customers, 100,000 contracts, one run on a date where every
contract is due; compared with a plain bulk insert of the same invoice and line rows."""

import resource
import shutil
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from hostkontor.billing.engine import add_months
from hostkontor.contracts.models import Contract, ContractType
from hostkontor.customers.models import Customer

from .models import Invoice, InvoiceLine
from .runs import billing_run_create, billing_run_execute

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
    # keep a pristine copy for the floor measurement
    connection.close()
    db = Path(settings.DATABASES["default"]["NAME"])
    shutil.copy(db, db.with_suffix(".floor.sqlite3"))


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


def floor() -> None:
    """The same number of invoice and line rows, written with a plain bulk insert."""
    db = Path(settings.DATABASES["default"]["NAME"])
    run_seconds, invoice_count, line_count = db.with_suffix(".result").read_text().split()
    settings.DATABASES["default"]["NAME"] = str(db.with_suffix(".floor.sqlite3"))
    connection.close()
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


STEPS = ["setup", "run", "floor"]
