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

The rows are checked and written in batches of ``BATCH`` (see ``csv_import_batch``), all in
one transaction: any error saves nothing.
"""

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction

from hostkontor.imports.csv_table import (
    MAX_REPORTED_ERRORS,
    ImportErrors,
    max_lengths,
    read_csv_table,
    row_error,
    too_long,
)

from . import csv_import_batch as batches
from .models import Alignment, Category, Contract, ContractType, FeeUnit, Interval, Mode
from .services import ContractData, contract_type_create

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
BATCH = 2000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    types_created: list[str] = field(default_factory=list)


class _CellError(ValueError):
    pass


def parse_date(text: str) -> date:
    # the two usual spellings without strptime (a third of the parsing time of a row)
    if len(text) == 10 and text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit():
        if text[4] == text[7] == "-":
            with suppress(ValueError):
                return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    elif len(text) == 10 and text[:2].isdigit() and text[3:5].isdigit() and text[6:].isdigit():
        if text[2] == text[5] == ".":
            with suppress(ValueError):
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
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
    values = frozenset(enum.values)  # enum.values builds a new list on every access

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in values:
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
    lengths = {**max_lengths(Contract), "type": max_lengths(ContractType)["name"]}
    for row in table:
        line, values = row.line, row.values
        parsed: dict = {}
        for name in REQUIRED:
            if not values.get(name):
                errors.append(row_error(filename, line, name, "is required"))
        for name in ("reference", "type", "description"):
            message = too_long(values.get(name, ""), lengths[name])
            if message:
                errors.append(row_error(filename, line, name, message))
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
    state = _State(
        actor=actor,
        filename=filename,
        errors=errors,
        bad_lines={e.location for e in errors},
        types={t.name.lower(): t for t in ContractType.objects.all()},
    )
    for start in range(0, len(rows), BATCH):
        if len(state.errors) >= MAX_REPORTED_ERRORS:
            break
        _import_batch(state, rows[start : start + BATCH])
    if state.errors:
        state.errors.sort(key=lambda e: int(e.location.split()[-1]))
        raise ImportErrors(state.errors[:MAX_REPORTED_ERRORS])
    return state.result


@dataclass
class _State:
    """What runs through all batches of one import."""

    actor: object
    filename: str
    errors: list
    bad_lines: set[str]  # lines with a cell error: their contract is not checked further
    types: dict[str, ContractType]
    seen: dict[str, int] = field(default_factory=dict)  # reference -> first line
    result: ImportResult = field(default_factory=ImportResult)


def _import_batch(state: _State, rows: list[_Row]) -> None:
    loaded = batches.load(
        rows,
        [r.values["customer_number"] for r in rows],
        [r.values["reference"] for r in rows],
        {t.pk: t for t in state.types.values()},
    )
    pending = batches.Pending()
    for row in rows:
        if len(state.errors) >= MAX_REPORTED_ERRORS:
            break
        state.errors += _check(state, loaded, pending, row)
    if state.errors:
        return  # everything will be rolled back: write nothing more
    batches.write(actor=state.actor, loaded=loaded, pending=pending)
    state.result.created += len(pending.new)
    state.result.updated += len(pending.changed)
    state.result.unchanged += pending.unchanged


def _check(state: _State, loaded: batches.Loaded, pending: batches.Pending, row: _Row) -> list:
    """The row's errors (the same checks, in the same order, as one ``contract_create``)."""
    filename, line, reference = state.filename, row.line, row.values["reference"]
    number = row.values["customer_number"]
    if reference in state.seen:
        message = f"{reference} appears on line {state.seen[reference]} too"
        return [row_error(filename, line, "reference", message)]
    if reference:
        state.seen[reference] = line
    customer = loaded.customers.get(number)
    if number and customer is None:
        return [row_error(filename, line, "customer_number", f"no customer {number}")]
    contract = loaded.contracts.get(reference)
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        message = f"contract {reference} belongs to customer {contract.customer.number}"
        return [row_error(filename, line, "customer_number", message)]
    if f"line {line}" in state.bad_lines or customer is None:
        return []
    name = row.values["type"]
    contract_type = state.types.get(name.lower())
    if contract_type is None:
        contract_type = contract_type_create(
            actor=state.actor, data={"name": name, "category": Category.OTHER}
        )
        state.types[name.lower()] = contract_type
        state.result.types_created.append(contract_type.name)
    return batches.check_row(
        loaded=loaded,
        pending=pending,
        customer=customer,
        contract=contract,
        data=_data(row, contract_type),
        line=line,
        filename=filename,
    )
