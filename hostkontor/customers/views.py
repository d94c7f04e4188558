from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from hostkontor.core.client_ip import client_ip
from hostkontor.core.errors import FieldErrors
from hostkontor.core.forms import form_add_errors
from hostkontor.core.hub import customer_panels

from . import selectors, services
from .forms import ContactForm, CustomerFilterForm, CustomerForm
from .models import ContactPerson, Customer


@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    form = CustomerFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    f = selectors.CustomerFilter(**{k: v or "" for k, v in cleaned.items()})
    sort = f.sort if f.sort in selectors.SORTS else "number"
    page = selectors.customer_page(f, request.GET.get("page", 1))
    country_codes = selectors.customer_countries()
    context = {
        "form": form,
        "filter": f,
        "sort": sort,
        "page": page,
        "countries": sorted((code, dict(countries).get(code, code)) for code in country_codes),
        "columns": [
            ("number", _("No.")),
            ("company", _("Company")),
            ("city", _("City")),
            ("created", _("Created")),
        ],
    }
    template = (
        "customers/_list_table.html" if request.headers.get("HX-Request") else "customers/list.html"
    )
    return render(request, template, context)


@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, pk: int):
    try:
        customer, contacts, history = selectors.customer_hub(pk, request.user)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "contacts": contacts,
            "history": history,
            "panels": customer_panels(customer, request.user),
        },
    )


@permission_required("customers.add_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_create(request):
    can_change_tax = request.user.has_perm(services.TAX_PERMISSION)
    initial = {} if can_change_tax else services.default_tax_details()
    form = CustomerForm(request.POST or None, initial=initial, can_change_tax=can_change_tax)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user, data=form.to_data(), ip_address=client_ip(request)
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("Customer %(number)s created.") % {"number": customer.number}
            )
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form})


@permission_required("customers.change_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    initial = {name: getattr(customer, name) for name in CustomerForm.base_fields}
    initial["country"] = customer.country.code
    form = CustomerForm(
        request.POST or None,
        initial=initial,
        can_change_tax=request.user.has_perm(services.TAX_PERMISSION),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=request.user,
                customer=customer,
                data=form.to_data(),
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Customer %(number)s saved.") % {"number": customer.number})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@permission_required("customers.add_contactperson", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_create(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_save(actor=request.user, customer=customer, values=form.cleaned_data)
        return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer})


@permission_required("customers.change_contactperson", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int, contact_pk: int):
    contact = get_object_or_404(
        ContactPerson.objects.select_related("customer"), pk=contact_pk, customer_id=pk
    )
    form = ContactForm(request.POST or None, instance=ContactPerson.objects.get(pk=contact.pk))
    if request.method == "POST" and form.is_valid():
        services.contact_save(
            actor=request.user, customer=contact.customer, values=form.cleaned_data, contact=contact
        )
        return redirect("customers:detail", pk=pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


@permission_required("customers.delete_contactperson", raise_exception=True)
@require_POST
def contact_delete(request, pk: int, contact_pk: int):
    contact = get_object_or_404(ContactPerson, pk=contact_pk, customer_id=pk)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("Contact deleted."))
    return redirect("customers:detail", pk=pk)
