"""Contract import benchmark (part of ``make bench``): 100,000 rows for 20,000 customers
through the command the user runs (``import_contracts`` via ``call_command``) on a fresh
database, then the same file with every description changed (100,000 updates).
Goal: >= 5,000 rows/s for both.

The rows mix existing and new contract types, German and ISO dates, empty cells that take
the type's defaults, and one row in 20 brings a new domain (created and linked)."""

import resource
import tempfile
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from hostkontor.core.models import AuditEvent
from hostkontor.customers.models import Customer
from hostkontor.domains.models import Domain

from .models import Contract, ContractType

CUSTOMERS = 20_000
ROWS = 100_000
GOAL = 5_000  # rows/s
HEADER = (
    "customer_number,reference,type,description,start,end,setup_fee,fee,fee_unit,interval,"
    "mode,min_term_months,alignment,quantity,tax_rate,billed_until,domains\n"
)
TYPES = ["Webhosting M", "Mail Basic", "Server XL", "Imported Legacy"]  # the last is new
UNITS = ["month", "quarter", "year"]


def setup() -> None:
    Customer.objects.bulk_create(
        [Customer(number=f"K{i:06d}", company=f"Bench {i}") for i in range(CUSTOMERS)],
        batch_size=2000,
    )
    for name in TYPES[:3]:
        ContractType.objects.create(
            name=name, default_fee=Decimal("9.90"), default_interval="quarter"
        )


def make_csv(rows: int = ROWS, *, description: str = "Paket") -> str:
    lines = [HEADER]
    for i in range(rows):
        start = f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}" if i % 2 else f"{i % 28 + 1:02d}.03.2025"
        fee = f"{5 + i % 50}.99" if i % 4 else ""  # empty: the type's default
        domain = f"bench-{i}.de" if i % 20 == 0 else ""
        lines.append(
            f"K{i % CUSTOMERS:06d},BV-{i:07d},{TYPES[i % len(TYPES)]},{description} {i},{start},,"
            f"{'25.00' if i % 5 == 0 else ''},{fee},{UNITS[i % 3]},{UNITS[i % 3]},"
            f"{'arrears' if i % 3 == 0 else 'advance'},{12 if i % 7 == 0 else ''},"
            f"{'calendar' if i % 6 == 0 else ''},{1 + i % 3},19.00,,{domain}\n"
        )
    return "".join(lines)


def _import(text: str, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vertraege.csv"
        path.write_text(text, encoding="utf-8")
        out = StringIO()
        started, cpu = time.perf_counter(), time.process_time()
        call_command("import_contracts", str(path), stdout=out)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = out.getvalue().strip().splitlines()[-1]
    print(
        f"{label}: {summary} in {seconds:.1f} s = {ROWS / seconds:,.0f} rows/s (goal {GOAL:,}; "
        f"CPU {cpu:.1f} s = {ROWS / cpu:,.0f} rows/s); "
        f"{AuditEvent.objects.count()} audit events, {Domain.objects.count()} domains; "
        f"peak memory {peak:.0f} MB",
        flush=True,
    )


def create() -> None:
    _import(make_csv(), "import (create)")
    assert Contract.objects.count() == ROWS


def update() -> None:
    _import(make_csv(description="Paket neu"), "reimport (update every row)")


STEPS = ["setup", "create", "update"]
