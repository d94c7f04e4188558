"""Importing customers from CSV: all rows valid, or nothing saved.

Columns ``customer_number,company,street,zip,city,country,email,vat_id,language``; UTF-8 with
or without BOM; ``;`` or ``,`` as separator (detected from the header line). Rows update the
customer with the same number or create it.
"""

import csv
import io
from dataclasses import dataclass, replace

from django.db import transaction

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
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    filename: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.filename}, line {self.line}, field '{self.field}': {self.message}"


class CustomerImportError(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CustomerImportError(
            [RowError(filename, line, "(encoding)", "is not valid UTF-8 (save the file as UTF-8)")]
        ) from None


def parse_customers_csv(data: bytes, filename: str) -> list[tuple[int, str, CustomerData]]:
    """Parse and validate every row; raise with every problem found (line and field)."""
    text = _decode(data, filename)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[RowError] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CustomerImportError(
            [RowError(filename, 1, "(header)", "the file is empty")]
        ) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CustomerImportError(
            [RowError(filename, 1, c, "column is missing from the header") for c in missing]
        )
    index = {name: header.index(name) for name in COLUMNS}
    rows: list[tuple[int, str, CustomerData]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(
                RowError(
                    filename, line, "(row)", f"has {len(row)} fields, the header has {len(header)}"
                )
            )
            continue
        values = {name: row[i].strip() for name, i in index.items()}
        for name in COLUMNS:
            if name in REQUIRED and not values[name]:
                errors.append(RowError(filename, line, name, "is required"))
        number = values["customer_number"]
        if number in seen:
            errors.append(
                RowError(
                    filename,
                    line,
                    "customer_number",
                    f"{number} appears on line {seen[number]} too",
                )
            )
        seen[number] = line
        data, field_errors = customer_data_clean(
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
        column_of = {"zip_code": "zip"}
        for field, message in field_errors.items():
            if field == "company" and not values["company"]:
                continue  # reported above
            errors.append(RowError(filename, line, column_of.get(field, field), str(message)))
        rows.append((line, number, data))
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    if errors:
        raise CustomerImportError(errors)
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
