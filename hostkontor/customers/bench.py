"""Customer import benchmark (part of ``make bench``): 20,000 rows through the command the
user runs (``import_customers`` via ``call_command``) on a fresh database, then the same
file with every row changed (20,000 updates). Goal: >= 5,000 rows/s for both."""

import resource
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from hostkontor.core.models import AuditEvent

from .models import Customer

ROWS = 20_000
GOAL = 5_000  # rows/s
HEADER = "customer_number,company,street,zip,city,country,email,vat_id,language\n"
COUNTRIES = [("DE", "DE136695976"), ("NL", "NL004495445B01"), ("AT", ""), ("CH", ""), ("DE", "")]


def make_csv(rows: int = ROWS, *, city: str = "Hilter") -> str:
    """Realistic rows: umlauts, e-mail, VAT ids (valid checksums) for a fifth of them."""
    lines = [HEADER]
    for i in range(rows):
        country, vat_id = COUNTRIES[i % len(COUNTRIES)]
        lines.append(
            f"K{20000 + i:06d},Bäckerei Müller {i} GmbH,Am Markt {i % 200 + 1},{49176 + i % 800},"
            f"{city},{country},info{i}@kunde.example,{vat_id},{'de' if i % 3 else 'en'}\n"
        )
    return "".join(lines)


def _import(text: str, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kunden.csv"
        path.write_text(text, encoding="utf-8")
        out = StringIO()
        started, cpu = time.perf_counter(), time.process_time()
        call_command("import_customers", str(path), stdout=out)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label}: {out.getvalue().strip()} in {seconds:.1f} s = {ROWS / seconds:,.0f} rows/s "
        f"(goal {GOAL:,}; CPU {cpu:.1f} s = {ROWS / cpu:,.0f} rows/s); {AuditEvent.objects.count()} audit events; peak memory {peak:.0f} MB",
        flush=True,
    )


def create() -> None:
    _import(make_csv(), "import (create)")
    assert Customer.objects.count() == ROWS


def update() -> None:
    _import(make_csv(city="Melle"), "reimport (update every row)")


STEPS = ["create", "update"]
