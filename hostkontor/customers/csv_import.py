"""Importing customers from CSV: all rows valid, or nothing saved.

Columns ``customer_number,company,street,zip,city,country,email,vat_id,language``; UTF-8 with
or without BOM; ``;`` or ``,`` as separator (detected from the header line). Rows update the
customer with the same number or create it.

Invariants: every row is validated (the services' rules plus the columns' lengths) before
anything is written; the writes run in one transaction, in batches of ``BATCH`` rows (one
locking query for the existing customers, one INSERT and one UPDATE executemany, one for the
audit events: the same events ``customer_create``/``customer_update`` write, one per
created or changed customer).
"""

from dataclasses import dataclass, fields, replace

from django.db import transaction
from django.utils import timezone

from hostkontor.core.audit import audit_event, diff_fields, snapshot
from hostkontor.core.models import AuditEvent
from hostkontor.imports.bulk import insert_rows, pks_by, update_rows
from hostkontor.imports.csv_table import (
    MAX_REPORTED_ERRORS,
    ImportErrors,
    max_lengths,
    read_csv_table,
    row_error,
    too_long,
)

from .models import Customer
from .services import CUSTOMER_FIELDS, CustomerData, _apply, customer_data_clean
from .tax import home_country

BATCH = 1000

COLUMNS = [
    "customer_number",
    "company",
    "street",
    "zip",
    "city",
    "country",
    "email",
    "vat_id",
    "language",
]
REQUIRED = {"customer_number", "company"}
# service field -> CSV column
COLUMN_OF = {"zip_code": "zip"}
CSV_FIELDS = [f.name for f in fields(CustomerData) if COLUMN_OF.get(f.name, f.name) in COLUMNS]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def parse_customers_csv(data: bytes, filename: str) -> list[tuple[int, str, CustomerData]]:
    """Parse and validate every row; raise with every problem found (line and field)."""
    table, errors = read_csv_table(data, filename, columns=COLUMNS, required_columns=COLUMNS)
    rows: list[tuple[int, str, CustomerData]] = []
    seen: dict[str, int] = {}
    lengths = max_lengths(Customer)
    for row in table:
        line, values = row.line, row.values
        for name in COLUMNS:
            if name in REQUIRED and not values[name]:
                errors.append(row_error(filename, line, name, "is required"))
        number = values["customer_number"]
        if number in seen:
            errors.append(
                row_error(
                    filename,
                    line,
                    "customer_number",
                    f"{number} appears on line {seen[number]} too",
                )
            )
        seen[number] = line
        data_row, field_errors = customer_data_clean(
            CustomerData(
                company=values["company"],
                street=values["street"],
                zip_code=values["zip"],
                city=values["city"],
                country=values["country"] or "DE",
                email=values["email"],
                vat_id=values["vat_id"],
                language=values["language"] or "de",
            )
        )
        for field, message in field_errors.items():
            if field == "company" and not values["company"]:
                continue  # reported above
            errors.append(row_error(filename, line, COLUMN_OF.get(field, field), str(message)))
        for field, value in [("number", number)] + [(f, getattr(data_row, f)) for f in CSV_FIELDS]:
            message = too_long(value, lengths.get(field))
            if message and field not in field_errors:
                column = "customer_number" if field == "number" else COLUMN_OF.get(field, field)
                errors.append(row_error(filename, line, column, message))
        rows.append((line, number, data_row))
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    if errors:
        raise ImportErrors(errors)
    return rows


@transaction.atomic
def customers_import(*, actor, data: bytes, filename: str) -> ImportResult:
    """Create or update every row, or (on any error) nothing."""
    rows = parse_customers_csv(data, filename)
    counts = [0, 0, 0]  # created, updated, unchanged
    for start in range(0, len(rows), BATCH):
        for i, n in enumerate(_import_batch(actor, rows[start : start + BATCH])):
            counts[i] += n
    return ImportResult(*counts)


def _import_batch(actor, rows: list[tuple[int, str, CustomerData]]) -> tuple[int, int, int]:
    """Write one batch of valid rows with a fixed number of queries; (created, updated, unchanged)."""
    numbers = [number for _, number, _ in rows]
    existing = {
        c.number: c for c in Customer.objects.select_for_update().filter(number__in=numbers)
    }
    new: list[Customer] = []
    changed: list[tuple[Customer, dict]] = []
    now = timezone.now()
    seller_country = home_country()  # one query per batch, not per row
    for _line, number, row in rows:
        customer = existing.get(number)
        if customer is None:
            customer = Customer(number=number)
            _apply(customer, row, seller_country)
            new.append(customer)
            continue
        # Fields the CSV does not carry keep their stored values.
        merged = replace(
            row,
            phone=customer.phone,
            website=customer.website,
            payment_terms_days=customer.payment_terms_days,
            notes=customer.notes,
            is_active=customer.is_active,
            is_business=customer.is_business,
        )
        before = snapshot(customer, CUSTOMER_FIELDS)
        _apply(customer, merged, seller_country)
        changes = diff_fields(before, snapshot(customer, CUSTOMER_FIELDS))
        if changes:
            customer.updated_at = now  # as save() does (auto_now); update_rows does not
            changed.append((customer, changes))
    insert_rows(Customer, new)
    pks = pks_by(Customer, "number", [c.number for c in new])
    for customer in new:
        customer.pk = pks[customer.number]
    update_rows(Customer, [c for c, _ in changed], [*CUSTOMER_FIELDS, "updated_at"])
    events = [
        _event(actor, "customer.created", c, diff_fields({}, snapshot(c, CUSTOMER_FIELDS)))
        for c in new
    ] + [_event(actor, "customer.updated", c, changes) for c, changes in changed]
    insert_rows(AuditEvent, events)
    return len(new), len(changed), len(rows) - len(new) - len(changed)


def _event(actor, action: str, customer: Customer, changes: dict) -> AuditEvent:
    return audit_event(
        actor=actor, action=action, obj=customer, customer_id=customer.pk, changes=changes
    )
