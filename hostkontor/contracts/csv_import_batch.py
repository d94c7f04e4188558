"""One batch of the contract import: load what the rows refer to in bulk, check each row with
the services' rules, write the valid rows in bulk.

Invariants (why it is shaped this way):

- Per batch a fixed number of queries loads customers, contracts (locked), their billed state
  and their domains, and the domains the rows name; ``contract_data_clean`` then checks each
  row against these instead of querying (same rules, same messages as a form).
- Rows are written per batch inside the import's one transaction, so a later batch sees the
  earlier ones (a domain created on line 10 is known on line 5,000) and any error rolls back
  everything. Once any row has failed, nothing more is written; the rest is only checked.
- The writes equal those of ``contract_create`` / ``contract_update_changes``: the same field
  values, one ``contract.created`` / ``contract.updated`` audit event per changed contract with
  the same field diff; domains to create or relink go through the services' own domain code.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from hostkontor.billing.models import InvoiceLine
from hostkontor.core.audit import audit_event, diff_fields
from hostkontor.core.models import AuditEvent
from hostkontor.customers.models import Customer
from hostkontor.domains.models import Domain, DomainOwnership, split_name
from hostkontor.domains.services import DOMAIN_FIELDS, DomainData
from hostkontor.domains.services import _clean as _domain_clean
from hostkontor.domains.services import _snapshot as _domain_snapshot
from hostkontor.imports.bulk import insert_rows, pks_by, update_rows
from hostkontor.imports.csv_table import row_error

from .models import Contract, ContractType
from .services import (
    TERM_FIELDS,
    ContractData,
    _apply,
    _audit_snapshot,
    contract_data_clean,
    normalize_domain_names,
)

# Service field name -> CSV column
COLUMN_OF = {"contract_type": "type", "domain_names": "domains"}


@dataclass
class Loaded:
    """What one batch of rows refers to, loaded with a fixed number of queries."""

    customers: dict[str, Customer]
    contracts: dict[str, Contract]
    billed: set[int]
    domains: dict[str, Domain]
    contract_domains: dict[int, list[str]]


def load(
    rows, customer_numbers: list[str], references: list[str], types: dict[int, ContractType]
) -> Loaded:
    """``types``: every contract type by pk (few; joining them costs a model per row)."""
    customers = {
        c.number: c
        for c in Customer.objects.only("pk", "number").filter(number__in=customer_numbers)
    }
    contracts = {
        c.reference: c
        for c in Contract.objects.select_for_update().filter(reference__in=references)
    }
    for contract in contracts.values():
        contract.contract_type = types[contract.contract_type_id]
    ids = [c.pk for c in contracts.values()]
    billed = set(
        InvoiceLine.objects.filter(contract_id__in=ids, bills=True)
        .values_list("contract_id", flat=True)
        .distinct()
    )
    contract_domains: dict[int, list[str]] = {pk: [] for pk in ids}
    through = Contract.domains.through.objects.filter(contract_id__in=ids)
    for contract_id, name in through.values_list("contract_id", "domain__name"):
        contract_domains[contract_id].append(name)
    names = {n for row in rows for n in normalize_domain_names(_domain_cell(row))[0]}
    domains = {d.name: d for d in Domain.objects.select_related("customer").filter(name__in=names)}
    return Loaded(customers, contracts, billed, domains, contract_domains)


def _domain_cell(row) -> list[str]:
    return row.values.get("domains", "").replace(",", " ").split()


@dataclass
class Pending:
    """Checked rows of one batch, not yet written."""

    new: list[tuple[Contract, list[str]]] = field(default_factory=list)
    changed: list[tuple[Contract, dict, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    # domains named by rows of this batch that do not exist yet: name -> (unsaved domain,
    # the contract whose row named it first: it gets the ``contract.domain_added`` event)
    claimed: dict[str, tuple[Domain, Contract]] = field(default_factory=dict)


def check_row(
    *,
    loaded: Loaded,
    pending: Pending,
    customer: Customer,
    contract: Contract | None,
    data: ContractData,
    line: int,
    filename: str,
) -> list:
    """Check one row against the loaded data; queue it in ``pending`` or return its errors."""
    billed = contract is not None and contract.pk in loaded.billed
    known = loaded.domains
    if data.domain_names:
        known = {**known, **{name: domain for name, (domain, _c) in pending.claimed.items()}}
    errors = contract_data_clean(
        customer=customer,
        data=data,
        contract=contract,
        known_domains=known,
        billed=billed,
        reference_checked=True,  # a new row's reference is not in the database (loaded)
    )
    if errors:
        return [
            row_error(filename, line, COLUMN_OF.get(name, name), str(message))
            for name, message in errors.items()
        ]
    if contract is None:
        contract = Contract(customer=customer)
        _apply(contract, data)
        pending.new.append((contract, data.domain_names or []))
    else:
        current = sorted(loaded.contract_domains[contract.pk])
        before = _audit_snapshot(contract, current)
        _apply(contract, data)
        names = data.domain_names if data.domain_names is not None else current
        changes = diff_fields(before, _audit_snapshot(contract, names))
        if not changes:
            pending.unchanged += 1
            return []
        pending.changed.append((contract, changes, names))
    for name in data.domain_names or []:
        if name not in loaded.domains and name not in pending.claimed:
            pending.claimed[name] = (new_domain(name, customer), contract)
    return []


def new_domain(name: str, customer: Customer) -> Domain:
    """The domain ``domain_create`` would store for a bare name (not saved)."""
    data = DomainData(name=name)
    _domain_clean(data)  # the name was checked with the contract; this normalises the rest
    domain = Domain(customer=customer, **{k: getattr(data, k) for k in DOMAIN_FIELDS})
    domain.name, domain.name_ascii, domain.tld = split_name(domain.name)  # as Domain.save()
    return domain


def write(*, actor, loaded: Loaded, pending: Pending) -> None:
    """Write the checked rows of a batch; the same rows and audit events as the services."""
    new = [contract for contract, _names in pending.new]
    insert_rows(Contract, new)
    pks = pks_by(Contract, "reference", [contract.reference for contract in new])
    for contract in new:
        contract.pk = pks[contract.reference]
    changed = [contract for contract, _changes, _names in pending.changed]
    now = timezone.now()
    for contract in changed:
        contract.updated_at = now  # as save(): auto_now
    update_rows(Contract, changed, [*TERM_FIELDS, "updated_at"])
    events = _create_domains(actor, loaded, pending)
    links = [
        Contract.domains.through(contract_id=contract.pk, domain_id=loaded.domains[name].pk)
        for contract, names in pending.new
        for name in names
    ]
    Contract.domains.through.objects.bulk_create(links)
    for contract, names in pending.new:
        changes = diff_fields({}, _audit_snapshot(contract, names))
        events.append(_event(actor, "contract.created", contract, changes))
    for contract, changes, names in pending.changed:
        if "domains" in changes:
            contract.domains.set([loaded.domains[name] for name in names])
        events.append(_event(actor, "contract.updated", contract, changes))
    insert_rows(AuditEvent, events)


def _create_domains(actor, loaded: Loaded, pending: Pending) -> list[AuditEvent]:
    """Store the claimed domains as ``domain_create(contract=…)`` does: the domain, its
    ownership from the contract's start, ``domain.created`` and ``contract.domain_added``;
    adds them to ``loaded.domains``."""
    domains = [domain for domain, _contract in pending.claimed.values()]
    insert_rows(Domain, domains)
    pks = pks_by(Domain, "name", [domain.name for domain in domains])
    events = []
    ownerships = []
    for domain, contract in pending.claimed.values():
        domain.pk = pks[domain.name]
        loaded.domains[domain.name] = domain
        ownerships.append(
            DomainOwnership(
                domain_id=domain.pk, customer_id=domain.customer_id, valid_from=contract.start
            )
        )
        events.append(
            audit_event(
                actor=actor,
                action="domain.created",
                obj=domain,
                customer_id=domain.customer_id,
                changes=diff_fields({}, _domain_snapshot(domain)),
            )
        )
        changes = {"domains": ["", domain.name]}
        events.append(_event(actor, "contract.domain_added", contract, changes))
    insert_rows(DomainOwnership, ownerships)
    return events


def _event(actor, action: str, contract: Contract, changes: dict) -> AuditEvent:
    return audit_event(
        actor=actor, action=action, obj=contract, customer_id=contract.customer_id, changes=changes
    )
