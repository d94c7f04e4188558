"""Reading vault entries: metadata only (the ciphertext column is never loaded for lists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from hostkontor.core.models import AuditEvent

from .models import VaultEntry

# Everything a list shows; password_ciphertext is deferred so it never reaches a template.
LIST_FIELDS = [
    "id",
    "customer__id",
    "customer__number",
    "customer__company",
    "service_type",
    "label",
    "host",
    "port",
    "username",
    "tls_mode",
    "tags",
    "updated_at",
    "password_changed_at",
]


# ``password_set``: whether a password is stored, without loading the token.
PASSWORD_SET = ExpressionWrapper(~Q(password_ciphertext=""), output_field=BooleanField())


@dataclass(frozen=True)
class EntryFilter:
    q: str = ""
    customer: int | None = None
    service_type: str = ""
    host: str = ""


def entry_search(f: EntryFilter) -> QuerySet[VaultEntry]:
    qs = (
        VaultEntry.objects.select_related("customer")
        .only(*LIST_FIELDS)
        .annotate(password_set=PASSWORD_SET)
    )
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    if f.service_type:
        qs = qs.filter(service_type=f.service_type)
    if f.host:
        qs = qs.filter(host__iexact=f.host)
    for term in f.q.split():
        qs = qs.filter(
            Q(label__icontains=term)
            | Q(host__icontains=term)
            | Q(username__icontains=term)
            | Q(tags__icontains=term)
            | Q(customer__number__icontains=term)
            | Q(customer__company__icontains=term)
        )
    return qs.order_by("customer__number", "service_type", "host", "username", "id")


def entry_page(f: EntryFilter, page: int | str, per_page: int = 50):
    """Two queries (count + rows)."""
    return Paginator(entry_search(f), per_page).get_page(page)


def entry_detail(pk: int) -> tuple[VaultEntry, list]:
    """The entry (with customer, contract, domain) and its password history metadata."""
    entry = (
        VaultEntry.objects.select_related("customer", "contract", "domain")
        .defer("password_ciphertext")
        .annotate(password_set=PASSWORD_SET)
        .get(pk=pk)
    )
    history = list(entry.history.select_related("replaced_by").defer("password_ciphertext"))
    return entry, history


def customer_entry_summary(customer) -> dict:
    """Entries per service type and the first entries of a customer (two queries)."""
    counts = {
        row["service_type"]: row["n"]
        for row in VaultEntry.objects.filter(customer=customer)
        .order_by()
        .values("service_type")
        .annotate(n=Count("id"))
    }
    entries = list(
        VaultEntry.objects.filter(customer=customer)
        .only(*[f for f in LIST_FIELDS if not f.startswith("customer__")], "customer_id")
        .annotate(password_set=PASSWORD_SET)
        .order_by("service_type", "host", "username", "id")[:10]
    )
    return {"total": sum(counts.values()), "by_type": counts, "entries": entries}


def customer_entries(customer) -> list[VaultEntry]:
    return list(
        VaultEntry.objects.filter(customer=customer)
        .defer("password_ciphertext")
        .order_by("service_type", "host", "username", "id")
    )


def hosts_with_entries() -> list[tuple[str, int]]:
    """Every host with the number of customers that have entries on it."""
    return [
        (row["host"], row["customers"])
        for row in VaultEntry.objects.order_by("host")
        .values("host")
        .annotate(customers=Count("customer", distinct=True))
    ]


VAULT_AUDIT_ACTIONS = (
    "vault.revealed",
    "vault.history_revealed",
    "vault.sheet_created",
    "vault.sheet_sent",
    "vault.sheet_batch_created",
    "vault.sheet_batch_passwords_viewed",
)


def vault_audit_page(page: int | str, action: str = "", per_page: int = 100):
    qs = AuditEvent.objects.filter(action__in=VAULT_AUDIT_ACTIONS)
    if action in VAULT_AUDIT_ACTIONS:
        qs = qs.filter(action=action)
    return Paginator(qs.order_by("-at", "-id"), per_page).get_page(page)
