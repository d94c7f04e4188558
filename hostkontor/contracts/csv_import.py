"""Importing contracts from CSV: all rows valid, or nothing saved.

Columns (header names, any order; only the first four are required in the header)::

    customer_number,reference,type,start,description,end,setup_fee,fee,fee_unit,interval,
    mode,min_term_months,alignment,quantity,tax_rate,billed_until,domains

UTF-8 with or without BOM; ``,`` or ``;`` as separator (detected from the header line).
Dates ``YYYY-MM-DD`` or ``DD.MM.YYYY``; amounts ``19.00`` or ``19,00``. An empty cell takes
the default: the contract type's defaults (setup fee, fee, unit, interval, mode, tax rate),
else ``anniversary`` alignment, quantity 1, no minimum term, open end. ``domains`` lists
domain names separated by spaces; they become the contract's domains (missing ones are
created for the contract's customer). Rows update the contract with the same ``reference``
or create it; a type name that does not exist is created (category "other") and reported.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction

from hostkontor.customers.models import Customer
from hostkontor.imports.csv_table import (
    MAX_REPORTED_ERRORS,
    ImportErrors,
    read_csv_table,
    row_error,
)

from .models import Alignment, Category, Contract, ContractType, FeeUnit, Interval, Mode
from .services import (
    ContractData,
    ContractValidationError,
    contract_create,
    contract_type_create,
    contract_update_changes,
)

COLUMNS = [
    "customer_number",
    "reference",
    "type",
    "description",
    "start",
    "end",
    "setup_fee",
    "fee",
    "fee_unit",
    "interval",
    "mode",
    "min_term_months",
    "alignment",
    "quantity",
    "tax_rate",
    "billed_until",
    "domains",
]
REQUIRED = ["customer_number", "reference", "type", "start"]
# Service field name -> CSV column
COLUMN_OF = {"contract_type": "type", "domain_names": "domains"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    types_created: list[str] = field(default_factory=list)


class _CellError(ValueError):
    pass


def parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _CellError(f"{text!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def parse_decimal(text: str) -> Decimal:
    """``19.00``, ``19,00``, ``1.234,50`` or ``1,234.50``."""
    value = text.replace(" ", "").replace("\xa0", "")
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    else:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _CellError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise _CellError(f"{text!r} is not a number")
    return number


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _CellError(f"{text!r} is not a whole number") from None


def _choice(enum):
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in enum.values:
            raise _CellError(f"{text!r} is not one of {', '.join(enum.values)}")
        return value

    return parse


PARSERS = {
    "start": parse_date,
    "end": parse_date,
    "billed_until": parse_date,
    "setup_fee": parse_decimal,
    "fee": parse_decimal,
    "quantity": parse_decimal,
    "tax_rate": parse_decimal,
    "min_term_months": parse_int,
    "fee_unit": _choice(FeeUnit),
    "interval": _choice(Interval),
    "mode": _choice(Mode),
    "alignment": _choice(Alignment),
}


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    parsed: dict


def _read_rows(data: bytes, filename: str) -> tuple[list[_Row], list]:
    table, errors = read_csv_table(
        data, filename, columns=COLUMNS, required_columns=REQUIRED, allow_unknown_columns=False
    )
    rows: list[_Row] = []
    for row in table:
        line, values = row.line, row.values
        parsed: dict = {}
        for name in REQUIRED:
            if not values.get(name):
                errors.append(row_error(filename, line, name, "is required"))
        for name, parse in PARSERS.items():
            if values.get(name):
                try:
                    parsed[name] = parse(values[name])
                except _CellError as error:
                    errors.append(row_error(filename, line, name, str(error)))
        rows.append(_Row(line, values, parsed))
    return rows, errors


def _data(row: _Row, contract_type: ContractType) -> ContractData:
    p, v = row.parsed, row.values

    def get(name, default):
        return p[name] if name in p else default

    return ContractData(
        contract_type=contract_type,
        start=p["start"],
        end=get("end", None),
        description=v.get("description", ""),
        setup_fee=get("setup_fee", contract_type.default_setup_fee),
        fee=get("fee", contract_type.default_fee),
        fee_unit=get("fee_unit", contract_type.default_fee_unit),
        interval=get("interval", contract_type.default_interval),
        mode=get("mode", contract_type.default_mode),
        alignment=get("alignment", Alignment.ANNIVERSARY),
        min_term_months=get("min_term_months", 0),
        quantity=get("quantity", Decimal("1")),
        tax_rate=get("tax_rate", contract_type.default_tax_rate),
        billed_until=get("billed_until", None),
        reference=v["reference"],
        domain_names=v.get("domains", "").replace(",", " ").split(),
    )


@transaction.atomic
def contracts_import(*, actor, data: bytes, filename: str) -> ImportResult:
    """Create or update every row, or (on any error) nothing."""
    rows, errors = _read_rows(data, filename)
    numbers = {r.values["customer_number"] for r in rows}
    customers = {c.number: c for c in Customer.objects.filter(number__in=numbers)}
    types = {t.name.lower(): t for t in ContractType.objects.all()}
    references = [r.values["reference"] for r in rows]
    contracts = {
        c.reference: c
        for c in Contract.objects.filter(reference__in=references).select_related("customer")
    }
    result = ImportResult()
    seen: dict[str, int] = {}
    for row in rows:
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
        line, reference = row.line, row.values["reference"]
        row_errors = [e for e in errors if e.location == f"line {line}"]
        if reference in seen:
            errors.append(
                row_error(
                    filename,
                    line,
                    "reference",
                    f"{reference} appears on line {seen[reference]} too",
                )
            )
            continue
        if reference:
            seen[reference] = line
        customer = customers.get(row.values["customer_number"])
        if row.values["customer_number"] and customer is None:
            errors.append(
                row_error(
                    filename,
                    line,
                    "customer_number",
                    f"no customer {row.values['customer_number']}",
                )
            )
            continue
        contract = contracts.get(reference)
        if contract is not None and customer is not None and contract.customer_id != customer.pk:
            errors.append(
                row_error(
                    filename,
                    line,
                    "customer_number",
                    f"contract {reference} belongs to customer {contract.customer.number}",
                )
            )
            continue
        if row_errors or customer is None:
            continue
        name = row.values["type"]
        contract_type = types.get(name.lower())
        if contract_type is None:
            contract_type = contract_type_create(
                actor=actor, data={"name": name, "category": Category.OTHER}
            )
            types[name.lower()] = contract_type
            result.types_created.append(contract_type.name)
        try:
            if contract is None:
                contract_create(actor=actor, customer=customer, data=_data(row, contract_type))
                result.created += 1
            else:
                _contract, changes = contract_update_changes(
                    actor=actor, contract=contract, data=_data(row, contract_type)
                )
                if changes:
                    result.updated += 1
                else:
                    result.unchanged += 1
        except ContractValidationError as error:
            for name, message in error.errors.items():
                errors.append(row_error(filename, line, COLUMN_OF.get(name, name), str(message)))
    if errors:
        errors.sort(key=lambda e: int(e.location.split()[-1]))
        raise ImportErrors(errors[:MAX_REPORTED_ERRORS])
    return result
