"""Benchmark: reconcile a 100,000-record registrar file against 100,000 domains.

End to end as ``import_registrar`` does it: parse the whole (Joker format) file, stream our
domains with their contract state from the database, reconcile, store the import with its
result and refresh the domains' finding flags. Goal: under 10 s; memory bounded (our domains
are streamed as tuples, never model instances).

``STEPS`` run one per process against a fresh, migrated SQLite file (``make bench``):
``setup`` writes the domains and the file, ``run`` measures the import and the process's peak
memory. ``main()`` runs both in one process against the configured (migrated, empty)
database; ``python -m hostkontor.domains.bench`` creates and drops a test database for it.
``HOSTKONTOR_BENCH_DOMAINS`` changes the size.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

GOAL_SECONDS = 10.0
DOMAINS = 100_000


def _populate(n: int, today: date) -> bytes:
    """n domains (half with a running yearly contract, 1 % with an ended one) and a registrar
    list that differs in every kind; returns the file."""
    from django.db import transaction

    from hostkontor.contracts.models import Category, Contract, ContractType
    from hostkontor.customers.models import Customer
    from hostkontor.domains.models import Domain, TldPrice

    with transaction.atomic():
        TldPrice.objects.create(
            tld="de",
            registrar="",
            sale_price_year=Decimal("12.00"),
            cost_year=Decimal("4.50"),
            valid_from=date(2000, 1, 1),
        )
        customers = Customer.objects.bulk_create(
            Customer(number=f"B{i:06d}", company=f"Bench {i} GmbH", country="DE")
            for i in range(max(1, n // 100))
        )
        expires = today + timedelta(days=200)
        domains = Domain.objects.bulk_create(
            (
                Domain(
                    name=f"bench-{i:07d}.de",
                    name_ascii=f"bench-{i:07d}.de",
                    tld="de",
                    customer=customers[i % len(customers)],
                    registrar="joker",
                    expires=expires,
                    status="active",
                )
                for i in range(n)
            ),
            batch_size=5000,
        )
        contract_type = ContractType.objects.create(name="Domain .de", category=Category.DOMAIN)
        contracts = Contract.objects.bulk_create(
            (
                Contract(
                    customer_id=domains[i].customer_id,
                    reference=f"VB-{i:07d}",
                    contract_type=contract_type,
                    start=date(2020, 1, 1),
                    end=date(2023, 12, 31) if i % 100 == 1 else None,
                    fee=Decimal("12.00"),
                    fee_unit="year",
                    interval="year",
                )
                for i in range(n)
                if i % 2 == 0 or i % 100 == 1
            ),
            batch_size=5000,
        )
        through = Contract.domains.through
        by_reference = {c.reference: c.pk for c in contracts}
        through.objects.bulk_create(
            (
                through(contract_id=pk, domain_id=domains[int(reference[3:])].pk)
                for reference, pk in by_reference.items()
            ),
            batch_size=5000,
        )
    lines = ["Columns: domain,expiration_date,domain_status", "Status-Code: 0", ""]
    day = expires.isoformat()
    other = (expires + timedelta(days=365)).isoformat()
    for i in range(n):
        if i % 100 == 50:  # not at the registrar any more
            continue
        status = "lock,autorenew"
        if i % 250 == 3:
            status = "deleted"
        lines.append(f"bench-{i:07d}.de {other if i % 40 == 7 else day} {status}")
    for i in range(n - len(lines) + 3):  # unknown to us; the file has exactly n records
        lines.append(f"fremd-{i:07d}.de {day} lock")
    return ("\n".join(lines) + "\n").encode()


def _file_path():
    from pathlib import Path

    from django.conf import settings

    name = str(settings.DATABASES["default"]["NAME"])
    if name.startswith("file:") or name == ":memory:":  # an in-memory test database
        return Path(tempfile.gettempdir()) / "hostkontor-bench-domains.txt"
    return Path(name).with_suffix(".joker.txt")


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup() -> None:
    """Step 1 (own process): the domains, contracts and the registrar file."""
    from django.utils import timezone

    size = int(os.environ.get("HOSTKONTOR_BENCH_DOMAINS", DOMAINS))
    started = time.perf_counter()
    _file_path().write_bytes(_populate(size, timezone.localdate()))
    _say(
        f"setup: {size:,} domains and a {size:,}-record file in {time.perf_counter() - started:.1f} s"
    )


def run() -> dict:
    """Step 2 (own process): one import, timed; peak memory of the process."""
    from hostkontor.domains.models import Domain
    from hostkontor.domains.reconciliation import registrar_import

    data = _file_path().read_bytes()
    domains = Domain.objects.count()
    started = time.perf_counter()
    imp = registrar_import(
        actor=None,
        registrar="joker",
        data=data,
        filename="bench-joker.txt",
        format="joker",
        apply="none",
    )
    seconds = time.perf_counter() - started
    counts = {kind: len(items) for kind, items in imp.result.items() if isinstance(items, list)}
    _say(
        f"run: reconcile {imp.records:,} registrar records against {domains:,} domains "
        f"(parse, load, compare, store): {seconds:.2f} s (goal < {GOAL_SECONDS:.0f} s); "
        f"peak memory {_peak_rss_mb():.0f} MB; findings {counts}"
    )
    return {"seconds": seconds, "records": imp.records, "counts": counts}


STEPS = ["setup", "run"]


def main() -> None:
    """Both steps in this process (against the configured, migrated, empty database)."""
    setup()
    run()


def _standalone() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostkontor.settings")
    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        main()
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    _standalone()
