"""Importing customers from CSV: all rows valid, or nothing saved.

Columns ``customer_number,company,street,zip,city,country,email,vat_id,language``; UTF-8 with
or without BOM; ``;`` or ``,`` as separator (detected from the header line). Rows update the
customer with the same number or create it.
"""

from dataclasses import dataclass, replace

from django.db import transaction

from hostkontor.imports.csv_table import (
    MAX_REPORTED_ERRORS,
    ImportErrors,
    read_csv_table,
    row_error,
)

from .models import Customer
from .services import CustomerData, customer_create, customer_data_clean, customer_update

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
    existing = {c.number: c for c in Customer.objects.filter(number__in=[n for _, n, _ in rows])}
    created = updated = unchanged = 0
    for _line, number, row in rows:
        customer = existing.get(number)
        if customer is None:
            customer_create(actor=actor, data=row, number=number)
            created += 1
            continue
        # Fields the CSV does not carry keep their stored values.
        merged = replace(
            row,
            phone=customer.phone,
            website=customer.website,
            payment_terms_days=customer.payment_terms_days,
            notes=customer.notes,
            is_active=customer.is_active,
        )
        before = customer.updated_at
        customer = customer_update(actor=actor, customer=customer, data=merged)
        if customer.updated_at != before:
            updated += 1
        else:
            unchanged += 1
    return ImportResult(created, updated, unchanged)
