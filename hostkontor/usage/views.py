from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hostkontor.contracts.models import Contract
from hostkontor.core.errors import FieldErrors
from hostkontor.core.forms import form_add_errors
from hostkontor.customers.models import Customer
from hostkontor.imports import MappingError

from . import selectors, services, uploads
from .forms import ComponentForm, ImportForm, SubjectMappingForm, UsageMappingForm
from .models import SubjectMapping, UsageComponent, UsageImport, UsageMapping, UsageUpload
from .tasks import process_usage_upload

VIEW = "usage.view_usagerecord"


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@permission_required(VIEW, raise_exception=True)
def customer_usage(request, pk: int):
    """Verbrauchsabrechnung der Firma."""
    try:
        customer, contracts, since = selectors.customer_usage(
            pk, timezone.localdate(), since=_date(request.GET.get("from"))
        )
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None
    for contract in contracts:
        for item in contract.components:
            for row in item.rows:
                billed = row.usage.billed
                row.invoice_url = (
                    _url("billing:invoice_detail", billed.invoice_id) if billed else None
                )
    return render(
        request,
        "usage/customer.html",
        {
            "customer": customer,
            "contracts": contracts,
            "since": since,
            "contracts_url": _url("contracts:customer", customer.pk),
        },
    )


@permission_required("usage.confirm_usageperiodhold", raise_exception=True)
@require_POST
def hold_confirm(request, pk: int):
    component = get_object_or_404(UsageComponent.objects.select_related("contract"), pk=pk)
    start, end = _date(request.POST.get("period_start")), _date(request.POST.get("period_end"))
    if start is None or end is None or end < start:
        raise Http404
    services.hold_confirm(
        actor=request.user, component=component, period_start=start, period_end=end
    )
    messages.success(request, _("The period will be billed as measured with the next billing run."))
    return redirect("usage:customer", pk=component.contract.customer_id)


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_list(request):
    """The uploaded file is only stored here (never read); the worker imports it and the
    upload page follows its progress."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm("usage.import_usage"):
            raise Http404
        if form.is_valid():
            job = uploads.usage_upload_create(
                actor=request.user,
                upload=form.cleaned_data["file"],
                format=form.cleaned_data["format"] or None,
                mapping=form.cleaned_data["mapping"],
            )
            process_usage_upload.enqueue(job.pk)
            return redirect("usage:upload_detail", pk=job.pk)
    return render(
        request,
        "usage/imports.html",
        {
            "form": form,
            "page": selectors.import_page(request.GET.get("page", 1)),
            "uploads": selectors.open_uploads()
            if request.user.has_perm("usage.import_usage")
            else [],
        },
    )


def _imported_message(record: UsageImport) -> str:
    return _(
        "%(file)s: %(read)s records read, %(new)s new, %(duplicate)s duplicate, %(updated)s updated."
    ) % {
        "file": record.filename,
        "read": record.records_read,
        "new": record.records_new,
        "duplicate": record.records_duplicate,
        "updated": record.records_updated,
    }


@permission_required("usage.import_usage", raise_exception=True)
def upload_detail(request, pk: int):
    """Progress of an upload; once imported, the import list with the counts as today
    (htmx: by HX-Redirect to this page, which then redirects)."""
    job = get_object_or_404(UsageUpload.objects.select_related("usage_import"), pk=pk)
    if job.status == UsageUpload.Status.DONE and job.usage_import is not None:
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("usage:upload_detail", args=[job.pk])
            return response
        messages.success(request, _imported_message(job.usage_import))
        return redirect("usage:index")
    template = (
        "usage/_upload_progress.html"
        if request.headers.get("HX-Request")
        else "usage/upload_detail.html"
    )
    return render(request, template, {"job": job})


@permission_required(VIEW, raise_exception=True)
@require_http_methods(["GET", "POST"])
def subject_list(request):
    form = SubjectMappingForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("usage.add_subjectmapping"):
            raise Http404
        if form.is_valid():
            try:
                services.subject_mapping_save(actor=request.user, values=form.cleaned_data)
            except FieldErrors as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("Subject mapping saved."))
                return redirect("usage:subjects")
    q = request.GET.get("q", "").strip()
    return render(
        request,
        "usage/subjects.html",
        {
            "form": form,
            "q": q,
            "page": selectors.subject_mapping_page(request.GET.get("page", 1), q),
        },
    )


@permission_required("usage.change_subjectmapping", raise_exception=True)
@require_http_methods(["GET", "POST"])
def subject_edit(request, pk: int):
    mapping = get_object_or_404(SubjectMapping.objects.select_related("component__contract"), pk=pk)
    form = SubjectMappingForm(
        request.POST or None, initial=SubjectMappingForm.initial_from(mapping)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_mapping_save(
                actor=request.user, values=form.cleaned_data, mapping=mapping
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Subject mapping saved."))
            return redirect("usage:subjects")
    return render(
        request,
        "usage/form.html",
        {"form": form, "title": _("Edit subject mapping"), "back": reverse("usage:subjects")},
    )


@permission_required("usage.delete_subjectmapping", raise_exception=True)
@require_POST
def subject_delete(request, pk: int):
    mapping = get_object_or_404(SubjectMapping.objects.select_related("component__contract"), pk=pk)
    services.subject_mapping_delete(actor=request.user, mapping=mapping)
    messages.success(request, _("Subject mapping deleted."))
    return redirect("usage:subjects")


@permission_required(VIEW, raise_exception=True)
def mapping_list(request):
    return render(request, "usage/mappings.html", {"mappings": selectors.usage_mappings()})


@permission_required("usage.change_usagemapping", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mapping_edit(request, pk: int | None = None):
    mapping = get_object_or_404(UsageMapping, pk=pk) if pk else None
    initial = {"name": mapping.name, "toml": mapping.toml} if mapping else {}
    form = UsageMappingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.usage_mapping_save(
                actor=request.user,
                name=form.cleaned_data["name"],
                toml=form.cleaned_data["toml"],
                mapping=mapping,
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        except MappingError as error:
            form.add_error("toml", str(error))
        else:
            messages.success(request, _("Import format saved."))
            return redirect("usage:mappings")
    title = _("Edit import format") if mapping else _("New import format")
    return render(
        request,
        "usage/form.html",
        {"form": form, "title": title, "back": reverse("usage:mappings"), "multipart": True},
    )


@permission_required(VIEW, raise_exception=True)
def mapping_export(request, pk: int):
    mapping = get_object_or_404(UsageMapping, pk=pk)
    response = HttpResponse(mapping.toml, content_type="application/toml; charset=utf-8")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in mapping.name) or "mapping"
    response["Content-Disposition"] = f'attachment; filename="{safe}.toml"'
    return response


@permission_required("usage.delete_usagemapping", raise_exception=True)
@require_POST
def mapping_delete(request, pk: int):
    services.usage_mapping_delete(
        actor=request.user, mapping=get_object_or_404(UsageMapping, pk=pk)
    )
    messages.success(request, _("Import format deleted."))
    return redirect("usage:mappings")


@permission_required("usage.change_usagecomponent", raise_exception=True)
@require_http_methods(["GET", "POST"])
def component_edit(request, pk: int | None = None, contract_pk: int | None = None):
    if pk:
        component = get_object_or_404(UsageComponent.objects.select_related("contract"), pk=pk)
        contract = component.contract
    else:
        if not request.user.has_perm("usage.add_usagecomponent"):
            raise Http404
        component = None
        contract = get_object_or_404(Contract, pk=contract_pk)
    form = ComponentForm(
        request.POST or None,
        instance=UsageComponent.objects.get(pk=pk) if pk else UsageComponent(contract=contract),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.component_save(
                actor=request.user, contract=contract, values=form.values(), component=component
            )
        except FieldErrors as error:
            form.add_error(None, "; ".join(error.errors.values()))
        else:
            messages.success(request, _("Usage component saved."))
            return redirect("usage:customer", pk=contract.customer_id)
    title = _("Usage component of %(contract)s") % {"contract": contract.reference}
    return render(
        request,
        "usage/form.html",
        {
            "form": form,
            "title": title,
            "back": reverse("usage:customer", args=[contract.customer_id]),
        },
    )
