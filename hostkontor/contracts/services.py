"""Writing contracts, contract types and price changes. Every change is audited.

Validation of the terms is the billing engine's (``check_terms``); this module turns its
``TermsError``s into ``{field: message}`` in the user's language. Fields that decide which
periods exist (start, interval, …) are frozen once a period or the setup fee is billed:
the billed lines would no longer match the contract.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hostkontor.billing import engine
from hostkontor.billing.loading import NOTHING_BILLED, billed_states
from hostkontor.billing.models import InvoiceLine
from hostkontor.core.audit import audit_record, diff_fields
from hostkontor.core.errors import FieldErrors
from hostkontor.core.numbering import number_allocate
from hostkontor.customers.models import Customer
from hostkontor.domains.models import Domain, split_name
from hostkontor.domains.parsers.records import InvalidDomain

from .models import (
    Alignment,
    Category,
    Contract,
    ContractType,
    FeeUnit,
    Interval,
    Mode,
    PriceChange,
)

REFERENCE_PATTERN = "V-{000000}"
# Fields that decide the period grid and the amounts already billed: frozen once billed.
LOCKED_WHEN_BILLED = ["start", "fee", "fee_unit", "interval", "mode", "alignment", "billed_until"]
MONEY_MAX = Decimal("9999999999.99")  # 12 digits, 2 decimal places (models.MONEY)
CENT = Decimal("0.01")


@dataclass
class ContractData:
    """The editable terms of a contract, as forms and imports hand them over.

    ``domain_names``: ``None`` keeps the contract's domains; a list sets exactly those
    (names missing in the database are created for the contract's customer).
    """

    contract_type: ContractType
    start: date
    end: date | None = None
    description: str = ""
    setup_fee: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    fee_unit: str = FeeUnit.MONTH
    interval: str = Interval.MONTH
    mode: str = Mode.ADVANCE
    alignment: str = Alignment.ANNIVERSARY
    min_term_months: int = 0
    quantity: Decimal = Decimal("1")
    tax_rate: Decimal = Decimal("19.00")
    billed_until: date | None = None
    reference: str = ""
    domain_names: list[str] | None = field(default=None)


TERM_FIELDS = [
    "reference",
    "contract_type",
    "description",
    "start",
    "end",
    "setup_fee",
    "fee",
    "fee_unit",
    "interval",
    "mode",
    "alignment",
    "min_term_months",
    "quantity",
    "tax_rate",
    "billed_until",
]
AUDIT_FIELDS = [*TERM_FIELDS, "domains", "cancelled_on"]


def format_day(day: date) -> str:
    """dd.mm.yyyy in German, yyyy-mm-dd in English and on the command line (no language)."""
    if get_language() is None:
        return day.isoformat()
    return date_format(day, "SHORT_DATE_FORMAT")


def decimal_error(value, *, places: int, maximum: Decimal, minimum: Decimal) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return _("is not a number")
    if value < minimum:
        return _("must not be less than %(minimum)s") % {"minimum": minimum}
    if value > maximum:
        return _("must not be more than %(maximum)s") % {"maximum": maximum}
    if value.as_tuple().exponent < -places and value != value.quantize(Decimal(1).scaleb(-places)):
        return _("has more than %(places)d decimal places") % {"places": places}
    return None


def minimum_term_message(*, earliest_end: date, start: date, min_term_months: int) -> str:
    """The error shown for an ``end`` before the minimum term (names the earliest end)."""
    if min_term_months and earliest_end > start:
        return _("The minimum term is %(months)d months. Earliest allowed end: %(date)s.") % {
            "months": min_term_months,
            "date": format_day(earliest_end),
        }
    return _("The end cannot be before the start. Earliest allowed end: %(date)s.") % {
        "date": format_day(earliest_end)
    }


def terms_from(
    contract_or_data, *, key: str = "", price_changes=(), setup_billed=False, period_starts=()
):
    """The engine's ``ContractTerms`` of a contract row or a ``ContractData``."""
    source = contract_or_data
    return engine.ContractTerms(
        key=key or str(getattr(source, "pk", "") or "new"),
        start=source.start,
        end=source.end,
        setup_fee=source.setup_fee,
        fee=source.fee,
        fee_unit=source.fee_unit,
        interval=source.interval,
        mode=source.mode,
        alignment=source.alignment,
        tax_rate=source.tax_rate,
        min_term_months=source.min_term_months,
        quantity=source.quantity,
        billed_until=source.billed_until,
        setup_billed=setup_billed,
        billed_period_starts=frozenset(period_starts),
        price_changes=tuple(price_changes),
    )


CHOICE_FIELDS = {"fee_unit": FeeUnit, "interval": Interval, "mode": Mode, "alignment": Alignment}
# enum.values builds a new list on each access: too slow for 100,000 imported rows
CHOICE_VALUES = {name: frozenset(enum.values) for name, enum in CHOICE_FIELDS.items()}


def _terms_errors(data: ContractData) -> dict[str, str]:
    errors: dict[str, str] = {}
    money = {"places": 2, "maximum": MONEY_MAX, "minimum": Decimal("0")}
    for name in ("setup_fee", "fee"):
        message = decimal_error(getattr(data, name), **money)
        if message:
            errors[name] = message
    message = decimal_error(data.tax_rate, places=2, maximum=Decimal("100"), minimum=Decimal("0"))
    if message:
        errors["tax_rate"] = message
    message = decimal_error(
        data.quantity, places=3, maximum=Decimal("999999999.999"), minimum=Decimal("0")
    )
    if message:
        errors["quantity"] = message
    elif data.quantity == 0:
        errors["quantity"] = _("must be greater than 0")
    if not isinstance(data.min_term_months, int) or not 0 <= data.min_term_months <= 600:
        errors["min_term_months"] = _("must be a whole number of months between 0 and 600")
    for name, enum in CHOICE_FIELDS.items():
        if getattr(data, name) not in CHOICE_VALUES[name]:
            errors[name] = _("%(value)r is not one of %(choices)s") % {
                "value": getattr(data, name),
                "choices": ", ".join(enum.values),
            }
    if data.start is None:
        errors["start"] = _("is required")
    if errors:
        return errors
    # Stored precision, so that "19" and "19.00" are the same value (no phantom changes).
    data.setup_fee = data.setup_fee.quantize(CENT)
    data.fee = data.fee.quantize(CENT)
    data.tax_rate = data.tax_rate.quantize(CENT)
    data.quantity = data.quantity.quantize(Decimal("0.001"))
    for error in engine.check_terms(terms_from(data)):
        if error.field in errors:
            continue
        if error.field == "end":
            errors["end"] = minimum_term_message(
                earliest_end=error.earliest_end or data.start,
                start=data.start,
                min_term_months=data.min_term_months,
            )
        elif error.field == "billed_until":
            errors["billed_until"] = _("cannot be before the start %(date)s") % {
                "date": format_day(data.start)
            }
        else:  # the checks above catch these first; keep the engine's word if not
            errors[error.field] = error.message
    return errors


def normalize_domain_names(names) -> tuple[list[str], list[str]]:
    """(names in the domains app's normal form without duplicates, names that are invalid)."""
    result: list[str] = []
    bad: list[str] = []
    for raw in names or []:
        raw = raw.strip().strip(",")
        if not raw:
            continue
        try:
            name = split_name(raw)[0]
        except InvalidDomain:
            bad.append(raw)
            continue
        if name not in result:
            result.append(name)
    return result, bad


def _domains_check(
    customer: Customer, names: list[str], known: dict[str, Domain] | None = None
) -> tuple[list[Domain], list[str], str]:
    """(existing domains of the customer, names to create, error message or "").

    ``known``: the domains by name, loaded in bulk by the caller (imports); else queried."""
    if known is None:
        known = {
            d.name: d for d in Domain.objects.select_related("customer").filter(name__in=names)
        }
    existing = {name: known[name] for name in names if name in known}
    foreign = [d for d in existing.values() if d.customer_id != customer.pk]
    if foreign:
        return (
            [],
            [],
            "; ".join(
                _("%(name)s belongs to customer %(number)s")
                % {"name": d.name, "number": d.customer.number}
                for d in foreign
            ),
        )
    return list(existing.values()), [n for n in names if n not in existing], ""


def has_billing_lines(contract: Contract) -> bool:
    """True once any line still bills a period or the setup fee of the contract."""
    return InvoiceLine.objects.filter(contract_id=contract.pk, bills=True).exists()


def contract_data_clean(
    *,
    customer: Customer,
    data: ContractData,
    contract: Contract | None = None,
    known_domains: dict[str, Domain] | None = None,
    billed: bool | None = None,
    reference_checked: bool = False,
) -> dict[str, str]:
    """Normalise ``data`` in place and return ``{field: message}`` for every broken rule.

    Bulk callers (imports) pass what they loaded for many rows at once: ``known_domains``
    (by name), ``billed`` (``has_billing_lines``) and ``reference_checked`` (the reference
    is known to be free or the contract's own)."""
    data.description = (data.description or "").strip()
    data.reference = (data.reference or "").strip()
    bad_domains: list[str] = []
    if data.domain_names is not None:
        data.domain_names, bad_domains = normalize_domain_names(data.domain_names)
    errors = _terms_errors(data)
    if data.contract_type is None:
        errors["contract_type"] = _("is required")
    if data.reference and not reference_checked:
        taken = Contract.objects.filter(reference=data.reference)
        if contract is not None:
            taken = taken.exclude(pk=contract.pk)
        if taken.exists():
            errors["reference"] = _("contract %(reference)s exists") % {"reference": data.reference}
    if bad_domains:
        errors["domain_names"] = _("%(names)s is not a domain name") % {
            "names": ", ".join(bad_domains)
        }
    elif data.domain_names:
        _existing, _missing, message = _domains_check(customer, data.domain_names, known_domains)
        if message:
            errors["domain_names"] = message
    if billed is None:
        billed = contract is not None and has_billing_lines(contract)
    if contract is not None and billed:
        for name in LOCKED_WHEN_BILLED:
            if name in errors or getattr(data, name) == getattr(contract, name):
                continue
            if name == "fee":
                errors[name] = _(
                    "cannot change: periods of this contract are billed already. "
                    "Add a price change from a date instead."
                )
            else:
                errors[name] = _(
                    "cannot change: periods of this contract are billed already "
                    "(the billed invoice lines would no longer match)."
                )
    return errors


def _audit_snapshot(contract: Contract, domain_names: list[str] | None = None) -> dict:
    values = {name: getattr(contract, name) for name in AUDIT_FIELDS if name != "domains"}
    values["contract_type"] = contract.contract_type.name if contract.contract_type_id else ""
    if domain_names is None:
        domain_names = sorted(d.name for d in contract.domains.all()) if contract.pk else []
    values["domains"] = " ".join(sorted(domain_names))
    return values


def contract_reference_next(*, on: date) -> str:
    """The next free reference ``V-000123`` (skips references taken by imports)."""
    while True:
        reference = number_allocate(range_code="contract", pattern=REFERENCE_PATTERN, on=on)
        if not Contract.objects.filter(reference=reference).exists():
            return reference


def _domains_set(*, actor, contract: Contract, names: list[str], ip_address=None) -> None:
    """Link exactly ``names``; missing domains are created through the domains app (with
    their ownership history from the contract's start)."""
    from hostkontor.domains.services import DomainData, domain_create

    existing, missing, message = _domains_check(contract.customer, names)
    if message:  # checked before; a concurrent change got in between
        raise FieldErrors({"domain_names": message})
    created = []
    for name in missing:
        try:
            created.append(
                domain_create(
                    actor=actor,
                    customer=contract.customer,
                    data=DomainData(name=name),
                    on=contract.start,
                    contract=contract,
                    create_contract=False,
                    ip_address=ip_address,
                )
            )
        except FieldErrors as error:
            raise FieldErrors(
                {"domain_names": f"{name}: " + "; ".join(map(str, error.errors.values()))}
            ) from None
    contract.domains.set(existing + created)


def _apply(contract: Contract, data: ContractData) -> None:
    for name in TERM_FIELDS:
        if name == "reference" and not data.reference:
            continue
        setattr(contract, name, getattr(data, name))


@transaction.atomic
def contract_create(*, actor, customer: Customer, data: ContractData, ip_address=None) -> Contract:
    if isinstance(data, dict):
        data = ContractData(**data)
    errors = contract_data_clean(customer=customer, data=data)
    if errors:
        raise FieldErrors(errors)
    contract = Contract(customer=customer)
    _apply(contract, data)
    if not data.reference:
        contract.reference = contract_reference_next(on=timezone.localdate())
    contract.save()
    names = data.domain_names or []
    if names:
        _domains_set(actor=actor, contract=contract, names=names, ip_address=ip_address)
    audit_record(
        actor=actor,
        action="contract.created",
        obj=contract,
        customer_id=customer.pk,
        changes=diff_fields({}, _audit_snapshot(contract, names)),
        ip_address=ip_address,
    )
    return contract


@transaction.atomic
def contract_update_changes(
    *, actor, contract: Contract, data: ContractData, ip_address=None
) -> tuple[Contract, dict]:
    """Update and return the contract with the audited ``{field: [old, new]}`` (empty: no-op)."""
    if isinstance(data, dict):
        data = ContractData(**data)
    contract = (
        Contract.objects.select_for_update()
        .select_related("customer", "contract_type")
        .get(pk=contract.pk)
    )
    errors = contract_data_clean(customer=contract.customer, data=data, contract=contract)
    if errors:
        raise FieldErrors(errors)
    before = _audit_snapshot(contract)
    _apply(contract, data)
    names = data.domain_names if data.domain_names is not None else before["domains"].split()
    after = _audit_snapshot(contract, names)
    changes = diff_fields(before, after)
    if changes:
        contract.save()
        if "domains" in changes:
            _domains_set(actor=actor, contract=contract, names=names, ip_address=ip_address)
        audit_record(
            actor=actor,
            action="contract.updated",
            obj=contract,
            customer_id=contract.customer_id,
            changes=changes,
            ip_address=ip_address,
        )
    return contract, changes


def contract_update(*, actor, contract: Contract, data: ContractData, ip_address=None) -> Contract:
    return contract_update_changes(
        actor=actor, contract=contract, data=data, ip_address=ip_address
    )[0]


@transaction.atomic
def contract_end(
    *, actor, contract: Contract, end: date, notice_date: date | None = None, ip_address=None
) -> Contract:
    """Record the notice (Kündigung): the contract ends on ``end`` (inclusive)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    notice_date = notice_date or timezone.localdate()
    errors: dict[str, str] = {}
    if end is None:
        errors["end"] = _("is required")
    else:
        limit = engine.earliest_end(contract.start, contract.min_term_months)
        if end < limit:
            errors["end"] = minimum_term_message(
                earliest_end=limit, start=contract.start, min_term_months=contract.min_term_months
            )
    if errors:
        raise FieldErrors(errors)
    before = {"end": contract.end, "cancelled_on": contract.cancelled_on}
    contract.end = end
    contract.cancelled_on = notice_date
    contract.save(update_fields=["end", "cancelled_on", "updated_at"])
    audit_record(
        actor=actor,
        action="contract.ended",
        obj=contract,
        customer_id=contract.customer_id,
        changes=diff_fields(before, {"end": end, "cancelled_on": notice_date}),
        ip_address=ip_address,
    )
    return contract


def billing_state(contract: Contract) -> tuple[bool, frozenset[date]]:
    """(setup billed?, billed period starts) from the lines that still bill."""
    state = billed_states([contract.pk]).get(contract.pk, NOTHING_BILLED)
    return state.setup, state.period_starts


@transaction.atomic
def contract_price_change_add(
    *, actor, contract: Contract, valid_from: date, fee: Decimal, ip_address=None
) -> PriceChange:
    """From ``valid_from`` on the fee is ``fee``; only for days that are not billed yet."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    errors: dict[str, str] = {}
    message = decimal_error(fee, places=2, maximum=MONEY_MAX, minimum=Decimal("0"))
    if message:
        errors["fee"] = message
    if valid_from is None:
        errors["valid_from"] = _("is required")
    elif valid_from <= contract.start:
        errors["valid_from"] = _("must be after the start %(date)s (change the fee instead)") % {
            "date": format_day(contract.start)
        }
    elif contract.end is not None and valid_from > contract.end:
        errors["valid_from"] = _("must not be after the end %(date)s") % {
            "date": format_day(contract.end)
        }
    elif contract.price_changes.filter(valid_from=valid_from).exists():
        errors["valid_from"] = _("there is a price change on %(date)s already") % {
            "date": format_day(valid_from)
        }
    else:
        setup, starts = billing_state(contract)
        changes = [engine.PriceChange(p.valid_from, p.fee) for p in contract.price_changes.all()]
        billed = engine.billed_until(
            terms_from(contract, price_changes=changes, setup_billed=setup, period_starts=starts)
        )
        if billed is not None and valid_from <= billed:
            errors["valid_from"] = _(
                "must be after %(date)s: the contract is billed up to that day"
            ) % {"date": format_day(billed)}
    if errors:
        raise FieldErrors(errors)
    fee = fee.quantize(CENT)
    change = PriceChange.objects.create(contract=contract, valid_from=valid_from, fee=fee)
    audit_record(
        actor=actor,
        action="contract.price_change_added",
        obj=contract,
        customer_id=contract.customer_id,
        changes={"price_change": ["", f"{valid_from.isoformat()}: {fee}"]},
        ip_address=ip_address,
    )
    return change


# Contract types ---------------------------------------------------------------------------

TYPE_FIELDS = [
    "name",
    "category",
    "default_setup_fee",
    "default_fee",
    "default_fee_unit",
    "default_interval",
    "default_mode",
    "default_tax_rate",
    "invoice_text",
    "is_active",
]


def _type_errors(values: dict, contract_type: ContractType | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    values["name"] = name
    if not name:
        errors["name"] = _("is required")
    else:
        taken = ContractType.objects.filter(name__iexact=name)
        if contract_type is not None:
            taken = taken.exclude(pk=contract_type.pk)
        if taken.exists():
            errors["name"] = _("a contract type %(name)s exists") % {"name": name}
    if values.get("category", Category.OTHER) not in Category.values:
        errors["category"] = _("%(value)r is not one of %(choices)s") % {
            "value": values.get("category"),
            "choices": ", ".join(Category.values),
        }
    money = {"places": 2, "maximum": MONEY_MAX, "minimum": Decimal("0")}
    for key in ("default_setup_fee", "default_fee"):
        if key in values:
            message = decimal_error(values[key], **money)
            if message:
                errors[key] = message
    if "default_tax_rate" in values:
        message = decimal_error(
            values["default_tax_rate"], places=2, maximum=Decimal("100"), minimum=Decimal("0")
        )
        if message:
            errors["default_tax_rate"] = message
    if not errors:
        for key in ("default_setup_fee", "default_fee", "default_tax_rate"):
            if key in values:
                values[key] = values[key].quantize(CENT)
    return errors


def _type_snapshot(contract_type: ContractType) -> dict:
    return {name: getattr(contract_type, name) for name in TYPE_FIELDS}


@transaction.atomic
def contract_type_create(*, actor, data: dict) -> ContractType:
    values = {k: v for k, v in dict(data).items() if k in TYPE_FIELDS}
    errors = _type_errors(values, None)
    if errors:
        raise FieldErrors(errors)
    contract_type = ContractType.objects.create(**values)
    audit_record(
        actor=actor,
        action="contract_type.created",
        obj=contract_type,
        changes=diff_fields({}, _type_snapshot(contract_type)),
    )
    return contract_type


@transaction.atomic
def contract_type_update(*, actor, contract_type: ContractType, data: dict) -> ContractType:
    values = {k: v for k, v in dict(data).items() if k in TYPE_FIELDS}
    contract_type = ContractType.objects.select_for_update().get(pk=contract_type.pk)
    errors = _type_errors(values, contract_type)
    if errors:
        raise FieldErrors(errors)
    before = _type_snapshot(contract_type)
    for key, value in values.items():
        setattr(contract_type, key, value)
    changes = diff_fields(before, _type_snapshot(contract_type))
    if changes:
        contract_type.save()
        audit_record(
            actor=actor, action="contract_type.updated", obj=contract_type, changes=changes
        )
    return contract_type
