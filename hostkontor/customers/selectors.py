"""Reading customers: the list with search/filter/sort and the hub. Fixed query counts."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from hostkontor.core.audit import history_redact, history_visibility
from hostkontor.core.models import AuditEvent

from .models import Customer

SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "company": (Lower("company").asc(), "number"),
    "-company": (Lower("company").desc(), "number"),
    "city": (Lower("city").asc(), "number"),
    "-city": (Lower("city").desc(), "number"),
    "created": ("created_at", "number"),
    "-created": ("-created_at", "number"),
}


@dataclass(frozen=True)
class CustomerFilter:
    q: str = ""
    country: str = ""
    tax_treatment: str = ""
    language: str = ""
    active: str = ""  # "", "1", "0"
    sort: str = "number"


def customer_search(f: CustomerFilter) -> QuerySet[Customer]:
    qs = Customer.objects.annotate(contact_count=Count("contacts"))
    if f.q:
        terms = f.q.split()
        for term in terms:
            qs = qs.filter(
                Q(number__icontains=term)
                | Q(company__icontains=term)
                | Q(city__icontains=term)
                | Q(zip_code__startswith=term)
                | Q(email__icontains=term)
                | Q(vat_id__icontains=term)
                | Q(contacts__last_name__icontains=term)
                | Q(contacts__email__icontains=term)
            )
        qs = qs.distinct()
    if f.country:
        qs = qs.filter(country=f.country)
    if f.tax_treatment:
        qs = qs.filter(tax_treatment=f.tax_treatment)
    if f.language:
        qs = qs.filter(language=f.language)
    if f.active in {"0", "1"}:
        qs = qs.filter(is_active=f.active == "1")
    return qs.order_by(*SORTS.get(f.sort, SORTS["number"]))


def customer_page(f: CustomerFilter, page: int | str, per_page: int = 50):
    """One page of the list: two queries (count + rows) whatever the row count."""
    return Paginator(customer_search(f), per_page).get_page(page)


def customer_countries() -> list[str]:
    return list(Customer.objects.order_by().values_list("country", flat=True).distinct())


def customer_hub(pk: int, user) -> tuple[Customer, list, list]:
    """The customer with contacts and the last history events ``user`` may read (three
    queries): events of apps the user may not see are filtered out in the query."""
    customer = Customer.objects.get(pk=pk)
    contacts = list(customer.contacts.all())
    events = AuditEvent.objects.filter(history_visibility(user), customer_id=customer.pk)
    history = history_redact(events[:30])
    return customer, contacts, history
