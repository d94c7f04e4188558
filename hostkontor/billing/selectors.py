"""Reading invoices and runs: lists with filters and totals, the customer panel."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Q, Sum

from .models import OPEN_INVOICE_STATUSES, BillingRun, Invoice


@dataclass(frozen=True)
class InvoiceFilter:
    status: str = ""
    kind: str = ""  # "", invoice, credit_note (the number range)
    customer: str = ""  # number or company, partial
    date_from: date | None = None
    date_to: date | None = None
    run: int | None = None
    contract: int | None = None


def invoice_search(f: InvoiceFilter):
    qs = Invoice.objects.select_related("customer")
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.customer:
        qs = qs.filter(
            Q(customer__number__icontains=f.customer) | Q(customer__company__icontains=f.customer)
        )
    if f.date_from:
        qs = qs.filter(
            Q(invoice_date__gte=f.date_from)
            | Q(invoice_date__isnull=True, run_date__gte=f.date_from)
        )
    if f.date_to:
        qs = qs.filter(
            Q(invoice_date__lte=f.date_to) | Q(invoice_date__isnull=True, run_date__lte=f.date_to)
        )
    if f.run:
        qs = qs.filter(billing_run_id=f.run)
    if f.contract:
        qs = qs.filter(lines__contract_id=f.contract).distinct()
    return qs.order_by("-invoice_date", "-number", "-id")


def invoice_page(f: InvoiceFilter, page, per_page: int = 50):
    """One page plus the totals of everything the filter matches (three queries)."""
    qs = invoice_search(f)
    totals = qs.order_by().aggregate(
        net=Sum("net_total"), tax=Sum("tax_total"), gross=Sum("gross_total")
    )
    totals = {k: v or Decimal("0.00") for k, v in totals.items()}
    return Paginator(qs, per_page).get_page(page), totals


def invoice_detail(pk: int) -> Invoice:
    return (
        Invoice.objects.select_related("customer", "cancels", "billing_run")
        .prefetch_related("lines__contract")
        .get(pk=pk)
    )


def recent_runs(limit: int = 20) -> list[BillingRun]:
    return list(BillingRun.objects.select_related("created_by")[:limit])


def customer_invoice_panel(customer, user) -> dict:
    invoices = list(Invoice.objects.filter(customer=customer).order_by("-invoice_date", "-id")[:10])
    open_total = Invoice.objects.filter(
        customer=customer,
        kind=Invoice.Kind.INVOICE,
        status__in=OPEN_INVOICE_STATUSES,
    ).aggregate(total=Sum("gross_total"))["total"] or Decimal("0.00")
    return {"customer": customer, "invoices": invoices, "open_total": open_total}
