from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hostkontor.core.client_ip import client_ip
from hostkontor.core.errors import FieldErrors
from hostkontor.core.forms import form_add_errors
from hostkontor.customers.models import Customer
from hostkontor.imports.errors import MappingError
from hostkontor.imports.mapping import dump_mapping

from . import mappings as mapping_services
from . import reconciliation, selectors, services
from .forms import (
    DomainCreateForm,
    DomainFilterForm,
    DomainForm,
    DomainMoveForm,
    MappingForm,
    MappingUploadForm,
    RegistrarForm,
    TldPriceForm,
)
from .models import (
    Domain,
    Registrar,
    RegistrarMapping,
    Status,
    TldPrice,
)

# Domains -----------------------------------------------------------------------------------


@permission_required("domains.view_domain", raise_exception=True)
def domain_list(request):
    form = DomainFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    f = selectors.DomainFilter(
        q=cleaned.get("q") or "",
        registrar=cleaned.get("registrar") or "",
        tld=cleaned.get("tld") or "",
        status=cleaned.get("status") or "",
        expiring_days=cleaned.get("expiring"),
        unbilled=bool(cleaned.get("unbilled")),
        mismatched=bool(cleaned.get("mismatched")),
    )
    today = timezone.localdate()
    page = selectors.domain_page(f, request.GET.get("page", 1), today)
    context = {
        "form": form,
        "filter": f,
        "page": page,
        "choices": selectors.filter_choices(),
        "statuses": Status.choices,
        "today": today,
    }
    template = (
        "domains/_list_table.html" if request.headers.get("HX-Request") else "domains/list.html"
    )
    return render(request, template, context)


@permission_required("domains.view_domain", raise_exception=True)
def customer_domains(request, pk: int):
    try:
        overview = selectors.customer_domains(pk, timezone.localdate())
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None
    return render(
        request,
        "domains/customer.html",
        {"customer": overview.customer, "overview": overview, "today": timezone.localdate()},
    )


@permission_required("domains.view_domain", raise_exception=True)
def domain_detail(request, pk: int):
    try:
        detail = selectors.domain_detail(pk, timezone.localdate())
    except Domain.DoesNotExist:
        raise Http404(_("No such domain.")) from None
    return render(request, "domains/detail.html", {"detail": detail, "domain": detail.domain})


@permission_required("domains.add_domain", raise_exception=True)
@require_http_methods(["GET", "POST"])
def domain_create(request, customer_pk: int):
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = DomainCreateForm(
        request.POST or None, customer=customer, initial={"on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            domain = services.domain_create(
                actor=request.user,
                customer=customer,
                data=form.to_data(),
                on=form.cleaned_data["on"],
                contract=form.cleaned_data["contract"],
                auth_code=form.cleaned_data["auth_code"],
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Domain %(name)s created.") % {"name": domain.name})
            return redirect("domains:customer", pk=customer.pk)
    return render(request, "domains/form.html", {"form": form, "customer": customer})


def _domain_initial(domain: Domain) -> dict:
    return {
        "name": domain.name,
        "registrar": domain.registrar,
        "handle": domain.handle,
        "registered_on": domain.registered_on,
        "expires": domain.expires,
        "status": domain.status,
        "auto_renew": domain.auto_renew,
        "nameservers": "\n".join(domain.nameservers or []),
        "notes": domain.notes,
    }


@permission_required("domains.change_domain", raise_exception=True)
@require_http_methods(["GET", "POST"])
def domain_edit(request, pk: int):
    domain = get_object_or_404(Domain.objects.select_related("customer"), pk=pk)
    form = DomainForm(request.POST or None, initial=_domain_initial(domain))
    if request.method == "POST" and form.is_valid():
        try:
            services.domain_update(
                actor=request.user,
                domain=domain,
                data=form.to_data(),
                auth_code=form.cleaned_data["auth_code"] or None,
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Domain %(name)s saved.") % {"name": domain.name})
            return redirect("domains:detail", pk=domain.pk)
    return render(
        request, "domains/form.html", {"form": form, "customer": domain.customer, "domain": domain}
    )


@permission_required("domains.change_domain", raise_exception=True)
@require_http_methods(["GET", "POST"])
def domain_move(request, pk: int):
    domain = get_object_or_404(Domain.objects.select_related("customer"), pk=pk)
    form = DomainMoveForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.domain_move(
                actor=request.user,
                domain=domain,
                to_customer=form.cleaned_data["to_customer"],
                on=form.cleaned_data["on"],
                create_contract=form.cleaned_data["create_contract"],
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request,
                _("Domain %(name)s moved to %(number)s.")
                % {"name": domain.name, "number": result.domain.customer.number},
            )
            return redirect("domains:detail", pk=domain.pk)
    return render(request, "domains/move.html", {"form": form, "domain": domain})


@permission_required("domains.change_domain", raise_exception=True)
@require_POST
def domain_contract_create(request, pk: int):
    domain = get_object_or_404(Domain, pk=pk)
    try:
        contract = services.domain_contract_create(
            actor=request.user, domain=domain, start=timezone.localdate()
        )
    except FieldErrors as error:
        messages.error(request, "; ".join(error.errors.values()))
    else:
        messages.success(
            request, _("Contract %(reference)s created.") % {"reference": contract.reference}
        )
    return redirect("domains:detail", pk=domain.pk)


# TLD price list ----------------------------------------------------------------------------


@permission_required("domains.view_tldprice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def price_list(request):
    form = TldPriceForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST":
        if not request.user.has_perm("domains.add_tldprice"):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.tld_price_save(actor=request.user, values=form.cleaned_data)
            except FieldErrors as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("Price saved."))
                return redirect("domains:prices")
    return render(request, "domains/prices.html", {"form": form, "prices": selectors.tld_prices()})


@permission_required("domains.change_tldprice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def price_edit(request, pk: int):
    price = get_object_or_404(TldPrice, pk=pk)
    initial = {name: getattr(price, name) for name in services.TLD_PRICE_FIELDS}
    form = TldPriceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.tld_price_save(actor=request.user, values=form.cleaned_data, price=price)
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Price saved."))
            return redirect("domains:prices")
    return render(request, "domains/price_form.html", {"form": form, "price": price})


@permission_required("domains.delete_tldprice", raise_exception=True)
@require_POST
def price_delete(request, pk: int):
    services.tld_price_delete(actor=request.user, price=get_object_or_404(TldPrice, pk=pk))
    messages.success(request, _("Price deleted."))
    return redirect("domains:prices")


# Mappings ----------------------------------------------------------------------------------


@permission_required("domains.view_registrarmapping", raise_exception=True)
def mapping_list(request):
    return render(
        request,
        "domains/mappings.html",
        {
            "mappings": selectors.mappings(),
            "upload_form": MappingUploadForm(),
        },
    )


def _mapping_form_post(request, form: MappingForm, mapping: RegistrarMapping | None):
    data = form.cleaned_data
    toml = (data.get("toml") or "").strip()
    try:
        if not toml:
            if data["kind"] != "csv":
                form.add_error("toml", _("JSON and XML mappings are entered as TOML."))
                return None
            toml = dump_mapping(mapping_services.mapping_from_csv_form(data))
        return mapping_services.mapping_save(
            actor=request.user, name=data["name"], toml=toml, mapping=mapping
        )
    except MappingError as error:
        form.add_error("toml" if data.get("toml") else None, str(error))
    except FieldErrors as error:
        form_add_errors(form, error)
    return None


@permission_required("domains.add_registrarmapping", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mapping_create(request):
    form = MappingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mapping = _mapping_form_post(request, form, None)
        if mapping is not None:
            messages.success(request, _("Mapping %(name)s saved.") % {"name": mapping.name})
            return redirect("domains:mappings")
    return render(request, "domains/mapping_form.html", {"form": form})


@permission_required("domains.change_registrarmapping", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mapping_edit(request, pk: int):
    mapping = get_object_or_404(RegistrarMapping, pk=pk)
    parsed = mapping_services.mapping_load(mapping.toml)
    if parsed.kind == "csv":
        initial = mapping_services.csv_form_initial(parsed)
    else:
        initial = {"kind": parsed.kind, "toml": mapping.toml}
    initial["name"] = mapping.name
    form = MappingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _mapping_form_post(request, form, mapping)
        if saved is not None:
            messages.success(request, _("Mapping %(name)s saved.") % {"name": saved.name})
            return redirect("domains:mappings")
    return render(request, "domains/mapping_form.html", {"form": form, "mapping": mapping})


@permission_required("domains.view_registrarmapping", raise_exception=True)
def mapping_export(request, pk: int):
    mapping = get_object_or_404(RegistrarMapping, pk=pk)
    response = HttpResponse(mapping.toml, content_type="application/toml; charset=utf-8")
    filename = "".join(c if c.isalnum() or c in "-_" else "_" for c in mapping.name) or "mapping"
    response["Content-Disposition"] = f'attachment; filename="{filename}.toml"'
    return response


@permission_required("domains.add_registrarmapping", raise_exception=True)
@require_POST
def mapping_upload(request):
    form = MappingUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            mapping = mapping_services.mapping_import(
                actor=request.user,
                toml=upload.read(1024 * 1024),
                name=upload.name.rsplit("/", 1)[-1].removesuffix(".toml"),
            )
        except FieldErrors as error:
            messages.error(request, "; ".join(error.errors.values()))
        else:
            messages.success(request, _("Mapping %(name)s imported.") % {"name": mapping.name})
    else:
        messages.error(request, _("Choose a TOML file."))
    return redirect("domains:mappings")


@permission_required("domains.delete_registrarmapping", raise_exception=True)
@require_POST
def mapping_delete(request, pk: int):
    mapping_services.mapping_delete(
        actor=request.user, mapping=get_object_or_404(RegistrarMapping, pk=pk)
    )
    messages.success(request, _("Mapping deleted."))
    return redirect("domains:mappings")


# Registrars --------------------------------------------------------------------------------


@permission_required("domains.view_registrar", raise_exception=True)
def registrar_list(request):
    return render(request, "domains/registrars.html", {"registrars": selectors.registrars()})


@permission_required("domains.change_registrar", raise_exception=True)
@require_http_methods(["GET", "POST"])
def registrar_edit(request, pk: int):
    registrar = get_object_or_404(Registrar, pk=pk)
    form = RegistrarForm(
        request.POST or None,
        initial={
            "format": registrar.format,
            "mapping": registrar.mapping_id,
            "auto_apply_safe": registrar.auto_apply_safe,
        },
    )
    if request.method == "POST" and form.is_valid():
        reconciliation.registrar_save(
            actor=request.user, registrar=registrar, values=form.cleaned_data
        )
        messages.success(request, _("Registrar %(name)s saved.") % {"name": registrar.name})
        return redirect("domains:registrars")
    return render(request, "domains/registrar_form.html", {"form": form, "registrar": registrar})
