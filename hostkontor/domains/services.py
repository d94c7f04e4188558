"""Writing domains, their ownership, their domain contracts and the TLD price list.

Every function is atomic and audited. Billing rules of a domain (see docs/imports.md,
"Domains and billing"):

* ``domain_create`` opens an ownership from ``on`` and, unless the domain is linked to an
  existing contract of the customer, creates a yearly in-advance contract ("Domain .de")
  priced from the TLD price list (sale price per year for the TLD and registrar).
* A domain contract is ended (move, "end the contract") on ``max(last day, billed until,
  earliest end of the minimum term)``: a period billed in advance is never refunded, it runs
  out. A contract that bills several domains (a bundle) is not ended; the domain is taken
  out of it.
* ``domain_move`` ends the old ownership on ``on - 1`` and starts the new one on ``on``; the
  new owner's contract starts the day after the old contract's end, so no day is billed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hostkontor.billing import engine
from hostkontor.contracts.models import Category, Contract, ContractType
from hostkontor.contracts.services import (
    ContractData,
    billing_state,
    contract_create,
    contract_end,
    contract_type_create,
    decimal_error,
    format_day,
    terms_from,
)
from hostkontor.core.audit import audit_record, diff_fields
from hostkontor.core.errors import FieldErrors
from hostkontor.customers.models import Customer
from hostkontor.vault.crypto import Secret, aad_for
from hostkontor.vault.keys import get_keyring

from .models import AUTH_CODE_AAD_TABLE, Domain, DomainOwnership, Status, TldPrice, split_name
from .parsers.records import InvalidDomain

ONE_DAY = timedelta(days=1)
MONEY_MAX = Decimal("9999999999.99")


@dataclass
class DomainData:
    """The editable registrar data of a domain, as forms and imports hand it over."""

    name: str
    registrar: str = ""
    handle: str = ""
    registered_on: date | None = None
    expires: date | None = None
    status: str = Status.ACTIVE
    auto_renew: bool = True
    nameservers: list[str] = field(default_factory=list)
    notes: str = ""


DOMAIN_FIELDS = [
    "name",
    "registrar",
    "handle",
    "registered_on",
    "expires",
    "status",
    "auto_renew",
    "nameservers",
    "notes",
]


def _snapshot(domain: Domain) -> dict:
    values = {name: getattr(domain, name) for name in DOMAIN_FIELDS}
    values["nameservers"] = " ".join(domain.nameservers or [])
    values["customer"] = domain.customer.number if domain.customer_id else ""
    return values


def _clean(data: DomainData) -> dict[str, str]:
    """Normalise ``data`` in place; return ``{field: message}``."""
    errors: dict[str, str] = {}
    try:
        data.name, _ascii, _tld = split_name(data.name or "")
    except InvalidDomain:
        errors["name"] = _("%(value)r is not a domain name") % {"value": data.name}
    data.registrar = (data.registrar or "").strip().casefold()
    data.handle = (data.handle or "").strip()
    data.notes = (data.notes or "").strip()
    if data.status not in Status.values:
        errors["status"] = _("%(value)r is not one of %(choices)s") % {
            "value": data.status,
            "choices": ", ".join(Status.values),
        }
    servers = []
    for server in data.nameservers or []:
        server = server.strip().rstrip(".").lower()
        if not server:
            continue
        try:
            server = split_name(server)[1]
        except InvalidDomain:
            errors["nameservers"] = _("%(value)r is not a host name") % {"value": server}
            continue
        if server not in servers:
            servers.append(server)
    data.nameservers = servers
    return errors


# The TLD price list ------------------------------------------------------------------------


def tld_price_for(tld: str, registrar: str, on: date) -> TldPrice | None:
    """The price valid on ``on``: the registrar's own entry, else the one for every registrar."""
    candidates = TldPrice.objects.filter(
        tld=tld, registrar__in={registrar or "", ""}, valid_from__lte=on
    ).order_by("-valid_from")
    own = next((p for p in candidates if p.registrar == (registrar or "")), None)
    if own is not None:
        return own
    return next((p for p in candidates if p.registrar == ""), None)


def price_table(on: date) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """``{(tld, registrar): (sale, cost)}`` valid on ``on`` (one query)."""
    table: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    rows = (
        TldPrice.objects.filter(valid_from__lte=on)
        .order_by("tld", "registrar", "valid_from")
        .values_list("tld", "registrar", "sale_price_year", "cost_year")
    )
    for tld, registrar, sale, cost in rows:
        table[(tld, registrar)] = (sale, cost)  # later valid_from overwrites earlier
    return table


def price_lookup(table, tld: str, registrar: str) -> tuple[Decimal, Decimal] | None:
    return table.get((tld, registrar)) or table.get((tld, ""))


TLD_PRICE_FIELDS = ["tld", "registrar", "sale_price_year", "cost_year", "valid_from"]


def _price_errors(values: dict, price: TldPrice | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    tld = (values.get("tld") or "").strip().lstrip(".").lower()
    if not tld:
        errors["tld"] = _("is required")
    else:
        try:
            tld = split_name(f"x.{tld}")[2]
        except InvalidDomain:
            errors["tld"] = _("%(value)r is not a TLD") % {"value": values.get("tld")}
    values["tld"] = tld
    values["registrar"] = (values.get("registrar") or "").strip().casefold()
    for name in ("sale_price_year", "cost_year"):
        message = decimal_error(values.get(name), places=2, maximum=MONEY_MAX, minimum=Decimal("0"))
        if message:
            errors[name] = message
    if values.get("valid_from") is None:
        errors["valid_from"] = _("is required")
    if not errors:
        taken = TldPrice.objects.filter(
            tld=tld, registrar=values["registrar"], valid_from=values["valid_from"]
        )
        if price is not None:
            taken = taken.exclude(pk=price.pk)
        if taken.exists():
            errors["valid_from"] = _("there is a price for .%(tld)s from %(date)s already") % {
                "tld": tld,
                "date": format_day(values["valid_from"]),
            }
    return errors


@transaction.atomic
def tld_price_save(*, actor, values: dict, price: TldPrice | None = None) -> TldPrice:
    """Create (``price=None``) or change an entry of the price list."""
    values = {k: v for k, v in dict(values).items() if k in TLD_PRICE_FIELDS}
    errors = _price_errors(values, price)
    if errors:
        raise FieldErrors(errors)
    before = {} if price is None else {k: getattr(price, k) for k in TLD_PRICE_FIELDS}
    price = price if price is not None else TldPrice()
    for key, value in values.items():
        setattr(price, key, value)
    changes = diff_fields(before, {k: getattr(price, k) for k in TLD_PRICE_FIELDS})
    if changes:
        price.save()
        audit_record(
            actor=actor,
            action="tld_price.created" if not before else "tld_price.updated",
            obj=price,
            changes=changes,
        )
    return price


@transaction.atomic
def tld_price_delete(*, actor, price: TldPrice) -> None:
    audit_record(
        actor=actor,
        action="tld_price.deleted",
        obj=price,
        changes=diff_fields({k: getattr(price, k) for k in TLD_PRICE_FIELDS}, {}),
    )
    price.delete()


# Domain contracts --------------------------------------------------------------------------


def _contract_errors(error: FieldErrors) -> FieldErrors:
    return FieldErrors({"contract": "; ".join(f"{k}: {v}" for k, v in error.errors.items())})


def _domain_contract_type(*, actor, tld: str, price: Decimal) -> ContractType:
    name = f"Domain .{tld}"
    existing = ContractType.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    return contract_type_create(
        actor=actor,
        data={
            "name": name,
            "category": Category.DOMAIN,
            "default_fee": price,
            "default_fee_unit": "year",
            "default_interval": "year",
            "default_mode": "advance",
            "invoice_text": name,
        },
    )


def _price_or_error(domain_tld: str, registrar: str, on: date) -> TldPrice:
    price = tld_price_for(domain_tld, registrar, on)
    if price is None:
        raise FieldErrors(
            {
                "contract": _(
                    "The price list has no price for .%(tld)s on %(date)s: add one first "
                    "or link the domain to an existing contract."
                )
                % {"tld": domain_tld, "date": format_day(on)}
            }
        )
    return price


def _new_domain_contract(
    *, actor, domain: Domain, start: date, billed_until: date | None = None
) -> Contract:
    price = _price_or_error(domain.tld, domain.registrar, start)
    contract_type = _domain_contract_type(actor=actor, tld=domain.tld, price=price.sale_price_year)
    data = ContractData(
        contract_type=contract_type,
        start=start,
        description=f"Domain {domain.name}",
        fee=price.sale_price_year,
        fee_unit="year",
        interval="year",
        mode="advance",
        alignment="anniversary",
        tax_rate=contract_type.default_tax_rate,
        billed_until=billed_until,
        domain_names=[domain.name],
    )
    try:
        return contract_create(actor=actor, customer=domain.customer, data=data)
    except FieldErrors as error:
        raise _contract_errors(error) from None


@transaction.atomic
def domain_contract_create(
    *, actor, domain: Domain, start: date, billed_until: date | None = None
) -> Contract:
    """A yearly in-advance contract for the domain's customer, priced from the list."""
    domain = Domain.objects.select_related("customer").get(pk=domain.pk)
    return _new_domain_contract(actor=actor, domain=domain, start=start, billed_until=billed_until)


def contract_billed_until(contract: Contract) -> date | None:
    setup, starts = billing_state(contract)
    changes = [engine.PriceChange(p.valid_from, p.fee) for p in contract.price_changes.all()]
    return engine.billed_until(
        terms_from(contract, price_changes=changes, setup_billed=setup, period_starts=starts)
    )


def contract_last_day(contract: Contract, last_day: date) -> date:
    """The end a domain contract gets when it should end on ``last_day``: never before what
    is billed (no refunds) nor before the minimum term."""
    candidates = [last_day, engine.earliest_end(contract.start, contract.min_term_months)]
    billed = contract_billed_until(contract)
    if billed is not None:
        candidates.append(billed)
    return max(candidates)


def _running_contracts(domain: Domain, customer_id: int, on: date) -> list[Contract]:
    return list(
        Contract.objects.select_for_update()
        .filter(domains=domain, customer_id=customer_id)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .order_by("start", "pk")
    )


def _end_or_detach(*, actor, domain: Domain, contract: Contract, end: date) -> str:
    """End a single-domain contract on ``end``; take the domain out of a bundle."""
    if contract.domains.exclude(pk=domain.pk).exists():
        contract.domains.remove(domain)
        audit_record(
            actor=actor,
            action="contract.domain_removed",
            obj=contract,
            customer_id=contract.customer_id,
            changes={"domains": [domain.name, ""]},
        )
        return "detached"
    if contract.end is not None and contract.end <= end:
        return "kept"  # ends earlier already
    try:
        contract_end(actor=actor, contract=contract, end=end, notice_date=timezone.localdate())
    except FieldErrors as error:
        raise _contract_errors(error) from None
    return "ended"


@transaction.atomic
def domain_contract_end(*, actor, domain: Domain, last_day: date) -> list[Contract]:
    """End the domain's running contracts of its customer (see module doc for the end day)."""
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    contracts = _running_contracts(domain, domain.customer_id, last_day)
    for contract in contracts:
        _end_or_detach(
            actor=actor,
            domain=domain,
            contract=contract,
            end=contract_last_day(contract, last_day),
        )
    return contracts


# Domains -----------------------------------------------------------------------------------


def _set_auth_code(domain: Domain, auth_code: str) -> None:
    auth_code = (auth_code or "").strip()
    if not auth_code:
        domain.auth_code_token = ""
        return
    domain.auth_code_token = get_keyring().encrypt(
        auth_code, aad_for(AUTH_CODE_AAD_TABLE, domain.pk, "auth_code")
    )


def domain_auth_code(domain: Domain) -> Secret | None:
    """The decrypted auth code (a Secret that prints as ********), or None."""
    if not domain.auth_code_token:
        return None
    return get_keyring().decrypt(
        domain.auth_code_token, aad_for(AUTH_CODE_AAD_TABLE, domain.pk, "auth_code")
    )


@transaction.atomic
def domain_create(
    *,
    actor,
    customer: Customer,
    data: DomainData,
    on: date | None = None,
    contract: Contract | None = None,
    create_contract: bool = True,
    billed_until: date | None = None,
    auth_code: str = "",
    ip_address=None,
) -> Domain:
    """Create the domain for ``customer`` from ``on`` (default today).

    ``contract``: an existing contract of the customer that includes the domain; otherwise
    (``create_contract``) a yearly domain contract from the price list starts on ``on``.
    """
    on = on or timezone.localdate()
    errors = _clean(data)
    if "name" not in errors and Domain.objects.filter(name=data.name).exists():
        errors["name"] = _("the domain %(name)s exists") % {"name": data.name}
    if contract is not None:
        if contract.customer_id != customer.pk:
            errors["contract"] = _("contract %(reference)s belongs to another customer") % {
                "reference": contract.reference
            }
        elif contract.end is not None and contract.end < on:
            errors["contract"] = _("contract %(reference)s has ended") % {
                "reference": contract.reference
            }
    elif create_contract and "name" not in errors:
        if tld_price_for(split_name(data.name)[2], data.registrar, on) is None:
            errors["contract"] = _(
                "The price list has no price for .%(tld)s on %(date)s: add one first "
                "or link the domain to an existing contract."
            ) % {"tld": split_name(data.name)[2], "date": format_day(on)}
    if errors:
        raise FieldErrors(errors)
    domain = Domain(customer=customer, **{k: getattr(data, k) for k in DOMAIN_FIELDS})
    domain.save()
    if auth_code:
        _set_auth_code(domain, auth_code)
        domain.save(update_fields=["auth_code_token"])
    DomainOwnership.objects.create(domain=domain, customer=customer, valid_from=on)
    changes = diff_fields({}, _snapshot(domain))
    if auth_code:
        changes["auth_code"] = ["", _("(set)")]
    audit_record(
        actor=actor,
        action="domain.created",
        obj=domain,
        customer_id=customer.pk,
        changes=changes,
        ip_address=ip_address,
    )
    if contract is not None:
        contract.domains.add(domain)
        audit_record(
            actor=actor,
            action="contract.domain_added",
            obj=contract,
            customer_id=customer.pk,
            changes={"domains": ["", domain.name]},
            ip_address=ip_address,
        )
    elif create_contract:
        _new_domain_contract(actor=actor, domain=domain, start=on, billed_until=billed_until)
    return domain


@transaction.atomic
def domain_update(
    *, actor, domain: Domain, data: DomainData, auth_code: str | None = None, ip_address=None
) -> Domain:
    """Change the registrar data (not the owner: see ``domain_move``). ``auth_code``:
    ``None`` keeps it, ``""`` removes it, a value replaces it."""
    domain = (
        Domain.objects.select_for_update(of=("self",)).select_related("customer").get(pk=domain.pk)
    )
    errors = _clean(data)
    if (
        "name" not in errors
        and Domain.objects.filter(name=data.name).exclude(pk=domain.pk).exists()
    ):
        errors["name"] = _("the domain %(name)s exists") % {"name": data.name}
    if errors:
        raise FieldErrors(errors)
    before = _snapshot(domain)
    for name in DOMAIN_FIELDS:
        setattr(domain, name, getattr(data, name))
    changes = diff_fields(before, _snapshot(domain))
    if auth_code is not None and (auth_code.strip() or domain.auth_code_token):
        _set_auth_code(domain, auth_code)
        changes["auth_code"] = ["", _("(changed)") if auth_code.strip() else _("(removed)")]
    if changes:
        domain.save()
        audit_record(
            actor=actor,
            action="domain.updated",
            obj=domain,
            customer_id=domain.customer_id,
            changes=changes,
            ip_address=ip_address,
        )
    return domain


def domain_registrar_values_apply(
    *, actor, domain: Domain, values: dict, registrar: str, source: str
) -> dict:
    """Take over registrar values (expires, status, …) as they are; returns the changes.

    Runs inside the caller's transaction (the import or the reconciliation action).
    """
    domain = (
        Domain.objects.select_for_update(of=("self",)).select_related("customer").get(pk=domain.pk)
    )
    before = _snapshot(domain)
    for key, value in values.items():
        setattr(domain, key, value)
    if not domain.registrar:
        domain.registrar = registrar
    after = _snapshot(domain)
    changes = diff_fields(before, after)
    if changes:
        domain.save()
        audit_record(
            actor=actor,
            action="domain.registrar_data_applied",
            obj=domain,
            customer_id=domain.customer_id,
            changes={**changes, "source": ["", source]},
        )
    return changes


@dataclass
class MoveResult:
    domain: Domain
    old_contracts: list[tuple[Contract, str]]  # (contract, "ended" | "detached" | "kept")
    new_contract: Contract | None


@transaction.atomic
def domain_move(
    *,
    actor,
    domain: Domain,
    to_customer: Customer,
    on: date,
    contract: Contract | None = None,
    create_contract: bool = True,
    ip_address=None,
) -> MoveResult:
    """Move the domain to ``to_customer`` from ``on`` (see the module doc for billing)."""
    domain = (
        Domain.objects.select_for_update(of=("self",)).select_related("customer").get(pk=domain.pk)
    )
    from_customer = domain.customer
    errors: dict[str, str] = {}
    if on is None:
        raise FieldErrors({"on": _("is required")})
    if to_customer.pk == from_customer.pk:
        errors["to_customer"] = _("the domain belongs to %(number)s already") % {
            "number": to_customer.number
        }
    ownership = domain.ownerships.filter(valid_to__isnull=True).first()
    if ownership is not None and on <= ownership.valid_from:
        errors["on"] = _("must be after %(date)s, when the current ownership began") % {
            "date": format_day(ownership.valid_from)
        }
    old = _running_contracts(domain, from_customer.pk, on)
    ends: list[tuple[Contract, date]] = []
    for old_contract in old:
        end = contract_last_day(old_contract, on - ONE_DAY)
        if end < old_contract.start:  # the contract starts on or after the move
            errors["on"] = _(
                "contract %(reference)s starts on %(date)s: move the domain later "
                "or change the contract first"
            ) % {"reference": old_contract.reference, "date": format_day(old_contract.start)}
        ends.append((old_contract, end))
    new_start = on
    single = [end for c, end in ends if not c.domains.exclude(pk=domain.pk).exists()]
    if single:
        new_start = max(on, max(single) + ONE_DAY)
    if contract is not None:
        if contract.customer_id != to_customer.pk:
            errors["contract"] = _("contract %(reference)s belongs to another customer") % {
                "reference": contract.reference
            }
        elif contract.end is not None and contract.end < on:
            errors["contract"] = _("contract %(reference)s has ended") % {
                "reference": contract.reference
            }
    elif create_contract and tld_price_for(domain.tld, domain.registrar, new_start) is None:
        errors["contract"] = _(
            "The price list has no price for .%(tld)s on %(date)s: add one first "
            "or link the domain to an existing contract."
        ) % {"tld": domain.tld, "date": format_day(new_start)}
    if errors:
        raise FieldErrors(errors)

    if ownership is not None:
        ownership.valid_to = on - ONE_DAY
        ownership.save(update_fields=["valid_to"])
    else:  # a domain created without history (e.g. by an older import)
        DomainOwnership.objects.create(
            domain=domain,
            customer=from_customer,
            valid_from=min(timezone.localtime(domain.created_at).date(), on - ONE_DAY),
            valid_to=on - ONE_DAY,
        )
    results = [
        (c, _end_or_detach(actor=actor, domain=domain, contract=c, end=end)) for c, end in ends
    ]
    DomainOwnership.objects.create(domain=domain, customer=to_customer, valid_from=on)
    domain.customer = to_customer
    domain.save(update_fields=["customer", "updated_at"])
    audit_record(
        actor=actor,
        action="domain.moved",
        obj=domain,
        customer_id=from_customer.pk,
        changes={"customer": [from_customer.number, to_customer.number], "on": ["", str(on)]},
        ip_address=ip_address,
    )
    audit_record(
        actor=actor,
        action="domain.moved",
        obj=domain,
        customer_id=to_customer.pk,
        changes={"customer": [from_customer.number, to_customer.number], "on": ["", str(on)]},
        ip_address=ip_address,
    )
    new_contract = None
    if contract is not None:
        contract.domains.add(domain)
        audit_record(
            actor=actor,
            action="contract.domain_added",
            obj=contract,
            customer_id=to_customer.pk,
            changes={"domains": ["", domain.name]},
        )
        new_contract = contract
    elif create_contract:
        new_contract = _new_domain_contract(actor=actor, domain=domain, start=new_start)
    return MoveResult(domain=domain, old_contracts=results, new_contract=new_contract)
