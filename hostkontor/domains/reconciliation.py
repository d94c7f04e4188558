"""Registrar imports: parse, reconcile with our domains, store, act on the differences.

``registrar_import`` is all-or-nothing: the file is parsed completely before anything is
written (a malformed file raises ``ImportFormatError`` naming file, line/record and field,
and the database is untouched); then one transaction stores the import, refreshes the
domains' finding flags and, with ``apply="safe"``, takes over the safe differences.

Safe differences ("--apply safe" or the registrar's setting): the registrar's expiry date of
a domain we hold at that registrar (or at no registrar yet). Nothing else is changed
automatically: status changes, new domains and contracts have billing consequences and are
per-row actions (``reconciliation_action``).
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hostkontor.contracts.models import Contract
from hostkontor.core.audit import audit_record
from hostkontor.core.errors import FieldErrors
from hostkontor.customers.models import Customer
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.mapping import Mapping, dump_mapping
from hostkontor.vault.crypto import VaultError, aad_for
from hostkontor.vault.keys import ensure_embedded_key, get_keyring

from .models import (
    Domain,
    ReconciliationIgnore,
    Registrar,
    RegistrarImport,
    RegistrarMapping,
    Status,
)
from .parsers import parse_registrar_file, records_from_mapping
from .parsers.reconcile import OurDomain, reconcile
from .parsers.records import RegistrarRecord
from .services import (
    DomainData,
    domain_contract_create,
    domain_contract_end,
    domain_create,
    domain_registrar_values_apply,
    price_lookup,
    price_table,
)

KINDS = [
    ("missing_in_hostkontor", gettext_lazy("At the registrar, not in Hostkontor")),
    ("missing_at_registrar", gettext_lazy("In Hostkontor, not at the registrar")),
    ("expiry_mismatch", gettext_lazy("Expiry date differs")),
    ("status_mismatch", gettext_lazy("Status differs")),
    ("unbilled", gettext_lazy("Unbilled (no running contract)")),
    ("ended_but_renewing", gettext_lazy("Contract ended, but renewing at the registrar")),
]
KIND_KEYS = [key for key, _label in KINDS]
# Which actions each kind offers (besides "ignore", which every kind offers).
ACTIONS: dict[str, tuple[str, ...]] = {
    "missing_in_hostkontor": ("create", "ignore"),
    "missing_at_registrar": ("apply", "end", "ignore"),
    "expiry_mismatch": ("apply", "ignore"),
    "status_mismatch": ("apply", "end", "ignore"),
    "unbilled": ("create", "ignore"),
    "ended_but_renewing": ("create", "ignore"),
}
APPLY_MODES = ("none", "safe")
CHUNK = 500


class EmptyRegistrarFile(ImportFormatError):
    """The file holds no domain records. Taken as it is, it would mark every domain of the
    registrar "missing at registrar" -- usually a failed export, so it needs a confirmation."""

    def __init__(self, filename: str):
        super().__init__(
            filename,
            None,
            None,
            "the file contains no domain records; importing it would mark every domain of "
            "this registrar as missing at the registrar (confirm an empty list with "
            "--allow-empty or the checkbox of the upload form)",
        )


def registrar_key(name: str) -> str:
    return (name or "").strip().casefold()


def our_domains(today: date) -> Iterator[OurDomain]:
    """Every domain as the reconciliation sees it: one streamed query plus the price list."""
    through = Contract.domains.through
    running = through.objects.filter(domain_id=OuterRef("pk")).filter(
        Q(contract__end__isnull=True) | Q(contract__end__gte=today)
    )
    ended = through.objects.filter(domain_id=OuterRef("pk"), contract__end__lt=today)
    prices = price_table(today)
    rows = (
        Domain.objects.order_by()
        .annotate(running=Exists(running), ended=Exists(ended))
        .values_list(
            "name",
            "customer__number",
            "registrar",
            "tld",
            "expires",
            "status",
            "running",
            "ended",
        )
        .iterator(chunk_size=5000)
    )
    for name, number, registrar, tld, expires, status, is_running, is_ended in rows:
        price = price_lookup(prices, tld, registrar)
        yield OurDomain(
            domain=name,
            customer_number=number,
            registrar=registrar,
            expires=expires,
            status=status,
            has_running_contract=is_running,
            contract_ended=is_ended,
            yearly_price=price[0] if price else None,
            yearly_cost=price[1] if price else None,
        )


def _registrar_values(record: RegistrarRecord) -> dict:
    return {
        "expires": record.expires.isoformat() if record.expires else None,
        "registered_on": record.registered_on.isoformat() if record.registered_on else None,
        "status": record.status.value,
        "auto_renew": record.auto_renew,
        "handle": record.handle,
    }


def _without_ignored(key: str, result: dict) -> list[dict]:
    ignores = set(ReconciliationIgnore.objects.filter(registrar=key).values_list("kind", "domain"))
    ignored = []
    if not ignores:
        return ignored
    for kind in KIND_KEYS:
        kept = []
        for item in result[kind]:
            if (kind, item["domain"]) in ignores:
                ignored.append({"kind": kind, "domain": item["domain"]})
            else:
                kept.append(item)
        result[kind] = kept
    return ignored


def _flag_issues(key: str, result: dict) -> None:
    """Remember each domain's findings of this import (for the lists, filter and hub)."""
    Domain.objects.filter(Q(registrar=key) | Q(issues_registrar=key)).exclude(issues="").update(
        issues="", issues_registrar=""
    )
    per_domain: dict[str, list[str]] = defaultdict(list)
    for kind in KIND_KEYS[1:]:
        for item in result[kind]:
            per_domain[item["domain"]].append(kind)
    by_issues: dict[str, list[str]] = defaultdict(list)
    for name, kinds in per_domain.items():
        by_issues[",".join(kinds)].append(name)
    for issues, names in by_issues.items():
        for start in range(0, len(names), CHUNK):
            Domain.objects.filter(name__in=names[start : start + CHUNK]).update(
                issues=issues, issues_registrar=key
            )


def _drop_issue(domain_name: str, kind: str) -> None:
    domain = Domain.objects.filter(name=domain_name).only("pk", "issues").first()
    if domain is None or kind not in domain.issue_list:
        return
    issues = ",".join(k for k in domain.issue_list if k != kind)
    Domain.objects.filter(pk=domain.pk).update(
        issues=issues, **({} if issues else {"issues_registrar": ""})
    )


def _actor_name(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"


def _apply_safe(actor, imp: RegistrarImport, key: str) -> None:
    """Take over the registrar's expiry dates of domains held at this registrar (or none)."""
    names = [item["domain"] for item in imp.result["expiry_mismatch"]]
    wanted = {item["domain"]: item["registrar"] for item in imp.result["expiry_mismatch"]}
    for start in range(0, len(names), CHUNK):
        domains = Domain.objects.filter(
            name__in=names[start : start + CHUNK], registrar__in=[key, ""]
        )
        for domain in domains:
            changes = domain_registrar_values_apply(
                actor=actor,
                domain=domain,
                values={"expires": date.fromisoformat(wanted[domain.name])},
                registrar=key,
                source=f"registrar import #{imp.pk} (safe)",
            )
            if changes:
                imp.applied.append(
                    {
                        "kind": "expiry_mismatch",
                        "domain": domain.name,
                        "action": "apply",
                        "by": f"{_actor_name(actor)} (auto)",
                        "at": timezone.now().isoformat(timespec="seconds"),
                        "detail": wanted[domain.name],
                    }
                )
                _drop_issue(domain.name, "expiry_mismatch")


def _file_aad(sha256: str) -> str:
    return aad_for("domains_registrarimport", sha256, "data")


def seal_file(data: bytes, sha256: str) -> bytes:
    """The stored file, encrypted with the vault keyring (exports may hold auth codes)."""
    ensure_embedded_key()
    token = get_keyring().encrypt(base64.b64encode(data).decode("ascii"), _file_aad(sha256))
    return token.encode("ascii")


def registrar_import_file(imp: RegistrarImport) -> bytes:
    """The imported file as it was uploaded."""
    token = bytes(imp.data).decode("ascii")
    return base64.b64decode(get_keyring().decrypt(token, _file_aad(imp.sha256)).reveal())


def parse_registrar_data(
    *, data: bytes, filename: str, format: str | None = None, mapping: Mapping | None = None
) -> list[RegistrarRecord]:
    """Parse a whole registrar list (raises ImportFormatError; writes nothing)."""
    if (format is None) == (mapping is None):
        raise ValueError("give either a format or a mapping")
    if format is not None:
        return parse_registrar_file(format, data, filename)
    return records_from_mapping(mapping, data, filename)


def registrar_import(
    *,
    actor,
    registrar: str,
    data: bytes,
    filename: str,
    format: str | None = None,  # noqa: A002
    mapping: Mapping | None = None,
    mapping_obj: RegistrarMapping | None = None,
    apply: str | None = None,
    today: date | None = None,
    allow_empty: bool = False,
) -> RegistrarImport:
    """Import one registrar list (see the module doc). ``apply``: "none", "safe" or None
    (the registrar's setting). A file without records raises ``EmptyRegistrarFile`` unless
    ``allow_empty``."""
    key = registrar_key(registrar)
    if not key:
        raise ValueError("the registrar name is required")
    if apply not in (None, *APPLY_MODES):
        raise ValueError(f"apply must be one of {', '.join(APPLY_MODES)}")
    if mapping is None and mapping_obj is not None:
        from .mappings import mapping_load

        mapping = mapping_load(mapping_obj.toml)
    today = today or timezone.localdate()
    records = parse_registrar_data(data=data, filename=filename, format=format, mapping=mapping)
    if not records and not allow_empty:
        raise EmptyRegistrarFile(filename)
    sha256 = hashlib.sha256(data).hexdigest()
    sealed = seal_file(data, sha256)
    with transaction.atomic():
        settings_row, _created = Registrar.objects.get_or_create(name=key)
        mode = apply or ("safe" if settings_row.auto_apply_safe else "none")
        reconciliation = reconcile(registrar.strip(), records, our_domains(today))
        result = reconciliation.to_json_dict()
        ignored = _without_ignored(key, result)
        finding_names = {
            item["domain"]
            for kind in KIND_KEYS
            if kind != "missing_at_registrar"
            for item in result[kind]
        }
        registrar_data = {
            r.domain: _registrar_values(r) for r in records if r.domain in finding_names
        }
        imp = RegistrarImport.objects.create(
            registrar=key,
            format=format or "",
            mapping=mapping_obj,
            mapping_toml=dump_mapping(mapping) if mapping is not None else "",
            filename=filename[:255],
            data=sealed,
            size=len(data),
            sha256=sha256,
            apply=mode,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            records=reconciliation.records,
            result=result,
            registrar_data=registrar_data,
            ignored=ignored,
            applied=[],
        )
        _flag_issues(key, result)
        if mode == "safe":
            _apply_safe(actor, imp, key)
            imp.save(update_fields=["applied"])
        audit_record(
            actor=actor,
            action="registrar_import.created",
            obj=imp,
            changes={
                "records": ["", str(imp.records)],
                **{kind: ["", str(len(result[kind]))] for kind in KIND_KEYS if result[kind]},
                **({"applied": ["", str(len(imp.applied))]} if imp.applied else {}),
            },
        )
    return imp


def finding(imp: RegistrarImport, kind: str, domain: str) -> dict | None:
    return next((item for item in imp.result.get(kind, []) if item["domain"] == domain), None)


def action_taken(imp: RegistrarImport, kind: str, domain: str) -> dict | None:
    return next(
        (a for a in imp.applied if a["kind"] == kind and a["domain"] == domain),
        None,
    )


@transaction.atomic
def reconciliation_action(
    *,
    actor,
    registrar_import: RegistrarImport,
    kind: str,
    domain: str,
    action: str,
    customer: Customer | None = None,
    contract: Contract | None = None,
    on: date | None = None,
) -> dict:
    """Act on one difference of an import; returns the recorded ``applied`` entry.

    Actions: ``apply`` (take over the registrar's expiry date / status; for a domain the
    registrar no longer lists: mark it deleted), ``create`` (domain + contract for
    ``customer``, or a contract for an unbilled domain), ``end`` (end the domain's contract,
    see services), ``ignore`` (left out of this registrar's later imports).
    """
    imp = RegistrarImport.objects.select_for_update().get(pk=registrar_import.pk)
    on = on or timezone.localdate()
    item = finding(imp, kind, domain)
    if item is None:
        raise FieldErrors({"domain": _("%(domain)s is not in this list") % {"domain": domain}})
    if action not in ACTIONS[kind]:
        raise FieldErrors({"action": _("%(action)r is not possible here") % {"action": action}})
    if action_taken(imp, kind, domain) is not None:
        raise FieldErrors({"action": _("this difference was handled already")})
    key = imp.registrar
    detail = ""
    ours = Domain.objects.filter(name=domain).first()
    if kind != "missing_in_hostkontor" and ours is None and action != "ignore":
        raise FieldErrors(
            {"domain": _("%(domain)s no longer exists in Hostkontor") % {"domain": domain}}
        )
    if action == "ignore":
        ReconciliationIgnore.objects.get_or_create(
            registrar=key,
            domain=domain,
            kind=kind,
            defaults={"created_by": actor if getattr(actor, "is_authenticated", False) else None},
        )
    elif action == "apply":
        source = f"registrar import #{imp.pk}"
        if kind == "expiry_mismatch":
            values = {"expires": date.fromisoformat(item["registrar"])}
            detail = item["registrar"]
        elif kind == "status_mismatch":
            values = {"status": item["registrar"]}
            detail = item["registrar"]
        else:  # missing_at_registrar
            values = {"status": Status.DELETED.value}
            detail = Status.DELETED.value
        domain_registrar_values_apply(
            actor=actor, domain=ours, values=values, registrar=key, source=source
        )
    elif action == "end":
        ended = domain_contract_end(actor=actor, domain=ours, last_day=on)
        detail = ", ".join(c.reference for c in ended)
    elif kind == "missing_in_hostkontor":  # create
        if customer is None:
            raise FieldErrors({"customer": _("choose the customer")})
        values = imp.registrar_data.get(domain, {})
        status = values.get("status") or Status.ACTIVE.value
        created = domain_create(
            actor=actor,
            customer=customer,
            data=DomainData(
                name=domain,
                registrar=key,
                handle=values.get("handle") or "",
                registered_on=_day(values.get("registered_on")),
                expires=_day(values.get("expires")),
                status=status if status in Status.values else Status.UNKNOWN.value,
                auto_renew=values.get("auto_renew") is not False,
            ),
            on=on,
            contract=contract,
        )
        detail = customer.number
        ours = created
    else:  # create a contract for a domain we hold
        new = domain_contract_create(actor=actor, domain=ours, start=on)
        detail = new.reference
    entry = {
        "kind": kind,
        "domain": domain,
        "action": action,
        "by": _actor_name(actor),
        "at": timezone.now().isoformat(timespec="seconds"),
        "detail": detail,
    }
    imp.applied.append(entry)
    imp.save(update_fields=["applied"])
    if ours is not None:
        _drop_issue(domain, kind)
    audit_record(
        actor=actor,
        action=f"registrar_import.{action}",
        obj=imp,
        customer_id=ours.customer_id if ours is not None else None,
        changes={kind: ["", f"{domain}: {action} {detail}".strip()]},
    )
    return entry


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@transaction.atomic
def registrar_save(*, actor, registrar: Registrar, values: dict) -> Registrar:
    registrar = Registrar.objects.select_for_update().get(pk=registrar.pk)
    fields = ["format", "mapping", "auto_apply_safe"]
    before = {f: str(getattr(registrar, f) or "") for f in fields}
    for name in fields:
        if name in values:
            setattr(registrar, name, values[name])
    after = {f: str(getattr(registrar, f) or "") for f in fields}
    changes = {k: [before[k], after[k]] for k in fields if before[k] != after[k]}
    if changes:
        registrar.save()
        audit_record(actor=actor, action="registrar.updated", obj=registrar, changes=changes)
    return registrar


def registrar_import_files_rotate(keyring, batch_size: int) -> dict[str, int]:
    """Key rotation of the stored import files (``rotate_vault_keys`` calls this): their
    token is bound to the file's hash, not to one text field, so it needs its own pass."""
    counts = {"rotated": 0, "current": 0, "empty": 0, "failed": 0}
    rows = RegistrarImport.objects.order_by("pk").values_list("pk", "sha256", "data")
    for pk, sha256, data in rows.iterator(chunk_size=batch_size):
        token = bytes(data).decode("ascii") if data else ""
        if not token:
            counts["empty"] += 1
            continue
        try:
            if not keyring.needs_rotation(token):
                keyring.decrypt(token, _file_aad(sha256))  # still authenticate it
                counts["current"] += 1
                continue
            new_token = keyring.rotate(token, _file_aad(sha256)).encode("ascii")
        except VaultError:
            counts["failed"] += 1
            continue
        with transaction.atomic():
            counts["rotated"] += RegistrarImport.objects.filter(pk=pk, data=bytes(data)).update(
                data=new_token
            )
    return counts
