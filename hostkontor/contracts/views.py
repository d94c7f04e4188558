from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from hostkontor.billing import engine
from hostkontor.billing.models import OneOffItem
from hostkontor.core.client_ip import client_ip
from hostkontor.core.errors import FieldErrors
from hostkontor.core.forms import form_add_errors
from hostkontor.customers.models import Customer

from . import selectors, services
from .forms import (
    ContractEndForm,
    ContractFilterForm,
    ContractForm,
    ContractTypeForm,
    OneOffItemForm,
    PriceChangeForm,
    type_defaults,
)
from .models import Category, Contract, ContractType
from .one_off_items import (
    APPROVE_PERMISSION,
    approval_limit,
    one_off_item_add,
    one_off_item_delete,
)


def optional_url(name: str, *args) -> str | None:
    """The URL if an installed app provides it, else None (no dead links)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _invoice_url(invoice_id: int) -> str | None:
    return optional_url("billing:invoice_detail", invoice_id)


@permission_required("contracts.view_contract", raise_exception=True)
def contract_list(request):
    form = ContractFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    f = selectors.ContractFilter(
        q=cleaned.get("q") or "",
        contract_type=str(cleaned.get("contract_type") or ""),
        category=cleaned.get("category") or "",
        state=cleaned.get("state") or "",
    )
    today = timezone.localdate()
    context = {
        "form": form,
        "filter": f,
        "page": selectors.contract_page(f, request.GET.get("page", 1), today),
        "types": selectors.contract_types(),
        "categories": Category.choices,
        "states": form.fields["state"].choices,
    }
    template = (
        "contracts/_list_table.html" if request.headers.get("HX-Request") else "contracts/list.html"
    )
    return render(request, template, context)


@permission_required("contracts.view_contract", raise_exception=True)
def customer_overview(request, pk: int):
    try:
        overview = selectors.customer_overview(pk, request.GET.get("tab", ""), timezone.localdate())
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None
    tabs = [
        (selectors.PAST, pgettext("contracts tab", "past")),
        (selectors.ACTIVE, pgettext("contracts tab", "active")),
        (selectors.UPCOMING, pgettext("contracts tab", "upcoming")),
    ]
    return render(
        request,
        "contracts/customer_overview.html",
        {
            "customer": overview.customer,
            "overview": overview,
            "tabs": [(key, label, overview.counts[key]) for key, label in tabs],
            "domains_url": optional_url("domains:customer", pk),
            "usage_url": optional_url("usage:customer", pk),
        },
    )


def _form_context(form: ContractForm, customer: Customer, contract: Contract | None) -> dict:
    types = list(form.fields["contract_type"].queryset)
    return {
        "form": form,
        "customer": customer,
        "contract": contract,
        "type_defaults": type_defaults(types),
        "fill_defaults": contract is None,
    }


@permission_required("contracts.add_contract", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_create(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = ContractForm(request.POST or None, initial={"open_end": True})
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(
                actor=request.user,
                customer=customer,
                data=form.to_data(),
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("Contract %(reference)s created.") % {"reference": contract.reference}
            )
            return redirect("contracts:customer", pk=customer.pk)
    return render(request, "contracts/form.html", _form_context(form, customer, None))


@permission_required("contracts.change_contract", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = get_object_or_404(Contract.objects.select_related("customer"), pk=pk)
    form = ContractForm(
        request.POST or None, initial=ContractForm.initial_for(contract), contract=contract
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_update(
                actor=request.user,
                contract=contract,
                data=form.to_data(billed_until=contract.billed_until),
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("Contract %(reference)s saved.") % {"reference": contract.reference}
            )
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/form.html", _form_context(form, contract.customer, contract))


@permission_required("contracts.change_contract", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contract_end(request, pk: int):
    contract = get_object_or_404(
        Contract.objects.select_related("customer", "contract_type"), pk=pk
    )
    form = ContractEndForm(
        request.POST or None,
        initial={"end": contract.end, "notice_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_end(
                actor=request.user,
                contract=contract,
                end=form.cleaned_data["end"],
                notice_date=form.cleaned_data["notice_date"],
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request,
                _("Notice recorded: contract %(reference)s ends on %(date)s.")
                % {
                    "reference": contract.reference,
                    "date": services.format_day(form.cleaned_data["end"]),
                },
            )
            return redirect("contracts:detail", pk=contract.pk)
    return render(
        request,
        "contracts/end_form.html",
        {
            "form": form,
            "contract": contract,
            "customer": contract.customer,
            "earliest_end": engine.earliest_end(contract.start, contract.min_term_months),
        },
    )


def _detail_context(detail, price_form: PriceChangeForm) -> dict:
    for line in detail.row.lines:
        line.invoice_url = _invoice_url(line.invoice_id)
    return {
        "detail": detail,
        "contract": detail.contract,
        "customer": detail.contract.customer,
        "row": detail.row,
        "price_form": price_form,
    }


@permission_required("contracts.view_contract", raise_exception=True)
def contract_detail(request, pk: int):
    try:
        detail = selectors.contract_detail(pk)
    except Contract.DoesNotExist:
        raise Http404(_("No such contract.")) from None
    return render(request, "contracts/detail.html", _detail_context(detail, PriceChangeForm()))


@permission_required("contracts.add_pricechange", raise_exception=True)
@require_POST
def price_change_add(request, pk: int):
    contract = get_object_or_404(Contract, pk=pk)
    form = PriceChangeForm(request.POST)
    if form.is_valid():
        try:
            services.contract_price_change_add(
                actor=request.user,
                contract=contract,
                valid_from=form.cleaned_data["valid_from"],
                fee=form.cleaned_data["fee"],
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Price change saved."))
            return redirect("contracts:detail", pk=contract.pk)
    detail = selectors.contract_detail(pk)
    return render(request, "contracts/detail.html", _detail_context(detail, form), status=400)


@permission_required("contracts.view_contract", raise_exception=True)
def contract_invoices(request, pk: int):
    contract = get_object_or_404(
        Contract.objects.select_related("customer", "contract_type"), pk=pk
    )
    invoices = selectors.contract_invoices(contract)
    for invoice in invoices:
        invoice.url = _invoice_url(invoice.pk)
    return render(
        request,
        "contracts/invoices.html",
        {"contract": contract, "customer": contract.customer, "invoices": invoices},
    )


# Contract types -----------------------------------------------------------------------------


@permission_required("contracts.view_contracttype", raise_exception=True)
def type_list(request):
    return render(request, "contracts/type_list.html", {"types": selectors.contract_types()})


@permission_required("contracts.add_contracttype", raise_exception=True)
@require_http_methods(["GET", "POST"])
def type_create(request):
    form = ContractTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_type = services.contract_type_create(
                actor=request.user, data=form.cleaned_data
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("Contract type %(name)s created.") % {"name": contract_type.name}
            )
            return redirect("contracts:type_list")
    return render(request, "contracts/type_form.html", {"form": form})


@permission_required("contracts.change_contracttype", raise_exception=True)
@require_http_methods(["GET", "POST"])
def type_edit(request, pk: int):
    contract_type = get_object_or_404(ContractType, pk=pk)
    form = ContractTypeForm(
        request.POST or None, instance=ContractType.objects.get(pk=contract_type.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_type_update(
                actor=request.user, contract_type=contract_type, data=form.cleaned_data
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("Contract type %(name)s saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("contracts:type_list")
    return render(
        request, "contracts/type_form.html", {"form": form, "contract_type": contract_type}
    )


# One-off items ------------------------------------------------------------------------------


@permission_required("billing.view_oneoffitem", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_items(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = OneOffItemForm(
        request.POST or None,
        customer=customer,
        initial={"service_date": timezone.localdate()},
    )
    if not request.user.has_perm(APPROVE_PERMISSION):
        form.fields["unit_price"].help_text = _(
            "Credits and items above %(limit)s EUR net need Billing's approval."
        ) % {"limit": number_format(approval_limit(), 2, use_l10n=True, force_grouping=True)}
    if request.method == "POST":
        if not request.user.has_perm("billing.add_oneoffitem"):
            raise PermissionDenied
        if form.is_valid():
            try:
                one_off_item_add(actor=request.user, customer=customer, **form.cleaned_data)
            except FieldErrors as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("One-off item added."))
                return redirect("contracts:items", pk=customer.pk)
    items = selectors.one_off_items(customer)
    for item in items:
        item.invoice_url = _invoice_url(item.billed_invoice_id) if item.billed else None
    return render(
        request,
        "contracts/items.html",
        {"customer": customer, "items": items, "form": form},
        status=400 if form.errors else 200,
    )


@permission_required("billing.delete_oneoffitem", raise_exception=True)
@require_POST
def item_delete(request, pk: int):
    item = get_object_or_404(OneOffItem, pk=pk)
    try:
        one_off_item_delete(actor=request.user, item=item)
    except FieldErrors as error:
        messages.error(request, error.errors["item"])
    else:
        messages.success(request, _("One-off item deleted."))
    return redirect("contracts:items", pk=item.customer_id)
