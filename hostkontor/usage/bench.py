"""Usage benchmark (part of ``make bench``).

1. Import 1,000,000 usage records (1,000 ports x 1,000 five-minute samples) from a CSV through a
   user-defined mapping, including the database write -- goal >= 100,000 records/s -- and print
   the ratio to a bare ``csv.reader`` pass over the same bytes.
2. 95th percentile (rrdtool's rule, higher of in/out) for 1,000 ports x 8,640 samples (a 30-day
   month of 5-minute samples) -- goal < 5 s.

``main()`` expects a configured, migrated, empty database (``python -m hostkontor.benchmarks
usage`` provides a fresh SQLite file); it writes into it.
"""

from __future__ import annotations

import csv
import gc
import io
import random
import time
from decimal import Decimal

RECORDS = 1_000_000
PORTS = 1_000
MONTH_SAMPLES = 8_640
START = 1_793_491_200  # 2026-10-31T22:00:00Z = 1 Nov 2026 00:00 Berlin
IMPORT_GOAL = 100_000  # records/s
PERCENTILE_GOAL = 5.0  # seconds

# hostkontor.benchmarks runs each step in its own process against a freshly migrated database
STEPS = ["main"]

MAPPING = """name = "Bench CSV"
kind = "csv"

[usage]
source = "bench"
interval = 300
timezone = "UTC"

[fields.subject]
column = "port"

[fields.metric]
default = "traffic_bytes_in"

[fields.start]
column = "time"
type = "datetime"

[fields.quantity]
column = "bytes"
type = "int"
"""


def make_csv(records: int = RECORDS, ports: int = PORTS) -> bytes:
    """``port,time,bytes`` rows, ISO-8601 UTC times, 5-minute samples per port."""
    rng = random.Random(5)
    per_port = records // ports
    out = io.StringIO()
    out.write("port,time,bytes\n")
    stamps = [
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START + 300 * i)) for i in range(per_port)
    ]
    for port in range(ports):
        name = f"sw{port // 48 + 1}-gi0-{port % 48 + 1}"
        out.writelines(f"{name},{stamp},{rng.randrange(10**9)}\n" for stamp in stamps)
    return out.getvalue().encode()


def bare_csv_pass(data: bytes) -> float:
    began = time.perf_counter()
    rows = 0
    for _row in csv.reader(io.StringIO(data.decode("utf-8"))):
        rows += 1
    return time.perf_counter() - began


def bench_import(stdout) -> dict:
    from hostkontor.usage.importing import load_usage_format
    from hostkontor.usage.models import UsageRecord
    from hostkontor.usage.services import usage_import

    data = make_csv()
    bare = bare_csv_pass(data)
    fmt = load_usage_format(MAPPING)
    began = time.perf_counter()
    record = usage_import(actor=None, data=data, filename="bench.csv", mapping=fmt)
    elapsed = time.perf_counter() - began
    stored = UsageRecord.objects.count()
    assert record.records_new == RECORDS == stored, (record.records_new, stored)
    rate = RECORDS / elapsed
    stdout.write(
        f"usage import: {RECORDS:,} records in {elapsed:.2f} s = {rate:,.0f} records/s "
        f"(goal >= {IMPORT_GOAL:,}: {'ok' if rate >= IMPORT_GOAL else 'MISSED'}); "
        f"bare csv.reader {bare:.2f} s, ratio {elapsed / bare:.1f}x\n"
    )
    began = time.perf_counter()
    again = usage_import(actor=None, data=data, filename="bench.csv", mapping=fmt)
    reimport = time.perf_counter() - began
    assert again.records_new == 0 and again.records_duplicate == RECORDS
    stdout.write(
        f"usage re-import (all duplicates): {reimport:.2f} s = {RECORDS / reimport:,.0f} records/s\n"
    )
    return {
        "records": RECORDS,
        "seconds": elapsed,
        "rate": rate,
        "bare_seconds": bare,
        "reimport_seconds": reimport,
    }


def bench_percentile(stdout) -> dict:
    from hostkontor.usage.metering import Aggregation, UsageComponent, measure, rate_usage

    rng = random.Random(95)
    component = UsageComponent(
        metric="traffic_bps",
        unit="Mbit/s",
        included=Decimal(100),
        unit_price=Decimal("4.50"),
        direction="max",
        aggregation=Aggregation.PERCENTILE95,
    )
    ports = []
    for _ in range(PORTS):
        base = rng.randrange(10**7, 10**9)
        inbound = [Decimal(base // 4 + rng.randrange(base)) for _ in range(MONTH_SAMPLES)]
        outbound = [Decimal(base + rng.randrange(base)) for _ in range(MONTH_SAMPLES)]
        ports.append((inbound, outbound))
    # 17 million sample objects: move them out of the cyclic collector's way, as a real run
    # holding one batch of periods at a time would not have them all alive
    gc.collect()
    gc.freeze()
    began = time.perf_counter()
    total = Decimal(0)
    for inbound, outbound in ports:
        total += rate_usage(component, measure(component, inbound=inbound, outbound=outbound)).net
    elapsed = time.perf_counter() - began
    gc.unfreeze()
    stdout.write(
        f"95th percentile: {PORTS:,} ports x {MONTH_SAMPLES:,} samples (in and out) in {elapsed:.2f} s "
        f"(goal < {PERCENTILE_GOAL:.0f} s: {'ok' if elapsed < PERCENTILE_GOAL else 'MISSED'})\n"
    )
    return {"ports": PORTS, "samples": MONTH_SAMPLES, "seconds": elapsed, "net_total": str(total)}


def main(stdout=None) -> dict:
    import sys

    stdout = stdout or sys.stdout
    return {"import": bench_import(stdout), "percentile": bench_percentile(stdout)}


if __name__ == "__main__":  # pragma: no cover - run through the bench runner
    main()
