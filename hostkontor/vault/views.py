"""Thin views. Lists and detail pages show metadata only; a password leaves the server only
in the small fragment of an explicit, audited reveal (POST, ``Cache-Control: no-store``)."""

import base64
import functools
import logging

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hostkontor.core.client_ip import client_ip
from hostkontor.core.errors import FieldErrors
from hostkontor.core.forms import form_add_errors
from hostkontor.customers.models import Customer

from . import selectors, services, sheets
from .crypto import VaultError
from .forms import BulkSheetForm, EntryFilterForm, EntryForm, GeneratorForm, SheetForm
from .keys import key_source
from .models import ServiceType, SheetBatch, VaultEntry, VaultPasswordHistory
from .password_generator import generate_password
from .reporting import hide_secrets_in_error_reports

logger = logging.getLogger(__name__)


def vault_errors(view):
    """A missing or wrong key fails loudly: a clear error page (or htmx fragment) with what
    to check, status 500, logged -- and never a ciphertext shown as a password."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except VaultError as error:
            logger.error("vault error in %s: %s: %s", request.path, type(error).__name__, error)
            template = (
                "vault/_vault_error.html"
                if request.headers.get("HX-Request")
                else "vault/error.html"
            )
            response = render(
                request,
                template,
                {"error": error, "error_type": type(error).__name__, "key_source": key_source()},
                status=500,
            )
            response["Cache-Control"] = "no-store"
            return response

    return wrapper


@permission_required("vault.view_vaultentry", raise_exception=True)
@require_GET
def entry_list(request):
    form = EntryFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    f = selectors.EntryFilter(
        q=cleaned.get("q") or "",
        customer=cleaned.get("customer") or None,
        service_type=cleaned.get("service_type") or "",
        host=(cleaned.get("host") or "").strip(),
    )
    customer = Customer.objects.filter(pk=f.customer).first() if f.customer else None
    context = {
        "form": form,
        "filter": f,
        "customer": customer,
        "page": selectors.entry_page(f, request.GET.get("page", 1)),
    }
    template = "vault/_list_table.html" if request.headers.get("HX-Request") else "vault/list.html"
    return render(request, template, context)


@permission_required("vault.view_vaultentry", raise_exception=True)
@require_GET
def entry_detail(request, pk: int):
    try:
        entry, history = selectors.entry_detail(pk)
    except VaultEntry.DoesNotExist:
        raise Http404(_("No such entry.")) from None
    checks = []
    if request.user.has_perm("checks.view_check"):
        from hostkontor.checks.selectors import entry_checks

        checks = entry_checks(entry)
    return render(
        request, "vault/detail.html", {"entry": entry, "history": history, "checks": checks}
    )


def _form_context(form, customer, entry=None):
    return {"form": form, "customer": customer, "entry": entry, "generator": GeneratorForm()}


@hide_secrets_in_error_reports
@sensitive_post_parameters("password")
@permission_required("vault.add_vaultentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
@vault_errors
@sensitive_variables("form")
def entry_create(request, customer_pk: int):
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = EntryForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                actor=request.user,
                customer=customer,
                data=form.to_data(),
                password=form.cleaned_data["password"],
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Entry %(name)s saved.") % {"name": entry.display_name})
            return redirect("vault:detail", pk=entry.pk)
    return render(request, "vault/form.html", _form_context(form, customer))


@hide_secrets_in_error_reports
@sensitive_post_parameters("password")
@permission_required("vault.change_vaultentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
@vault_errors
@sensitive_variables("form")
def entry_edit(request, pk: int):
    entry = get_object_or_404(
        VaultEntry.objects.select_related("customer").defer("password_ciphertext"), pk=pk
    )
    initial = {name: getattr(entry, name) for name in services.ENTRY_FIELDS}
    form = EntryForm(
        request.POST or None,
        customer=entry.customer,
        editing=True,
        initial=initial,
        may_change_target=services.may_change_target(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(
                actor=request.user,
                entry=entry,
                data=form.to_data(),
                password=form.cleaned_data["password"],
                clear_password=form.cleaned_data.get("clear_password", False),
                ip_address=client_ip(request),
            )
        except FieldErrors as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Entry %(name)s saved.") % {"name": entry.display_name})
            return redirect("vault:detail", pk=entry.pk)
    return render(request, "vault/form.html", _form_context(form, entry.customer, entry))


@permission_required("vault.delete_vaultentry", raise_exception=True)
@require_POST
def entry_delete(request, pk: int):
    entry = get_object_or_404(VaultEntry.objects.defer("password_ciphertext"), pk=pk)
    customer_pk = entry.customer_id
    services.entry_delete(actor=request.user, entry=entry, ip_address=client_ip(request))
    messages.success(request, _("Entry deleted."))
    return redirect("customers:detail", pk=customer_pk)


def _reveal_response(request, entry, secret, element_id):
    response = render(
        request,
        "vault/_revealed.html",
        {"entry": entry, "secret": secret, "element_id": element_id},
    )
    response["Cache-Control"] = "no-store"
    return response


@hide_secrets_in_error_reports
@require_POST
@never_cache
@vault_errors
@sensitive_variables("secret")
def entry_reveal(request, pk: int):
    if not request.user.has_perm("vault.reveal_secret"):
        raise PermissionDenied
    entry = get_object_or_404(VaultEntry, pk=pk)
    secret = services.entry_reveal(actor=request.user, entry=entry, ip_address=client_ip(request))
    return _reveal_response(request, entry, secret, f"secret-{entry.pk}")


@hide_secrets_in_error_reports
@require_POST
@never_cache
@vault_errors
@sensitive_variables("secret")
def history_reveal(request, pk: int, history_pk: int):
    if not request.user.has_perm("vault.reveal_secret"):
        raise PermissionDenied
    item = get_object_or_404(
        VaultPasswordHistory.objects.select_related("entry"), pk=history_pk, entry_id=pk
    )
    secret = services.history_reveal(actor=request.user, item=item, ip_address=client_ip(request))
    return _reveal_response(request, item.entry, secret, f"old-secret-{item.pk}")


@hide_secrets_in_error_reports
@require_POST
@never_cache
@sensitive_variables()  # every frame below holds the new password
def password_generate(request):
    """htmx: a fresh password into the entry form's password field (shown as text so the
    user can read it before saving)."""
    if not (
        request.user.has_perm("vault.add_vaultentry")
        or request.user.has_perm("vault.change_vaultentry")
    ):
        raise PermissionDenied
    form = GeneratorForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    password = generate_password(
        form.cleaned_data["length"],
        symbols=form.cleaned_data["symbols"],
        readable=form.cleaned_data["readable"],
    )
    response = render(request, "vault/_generated_password.html", {"password": password})
    response["Cache-Control"] = "no-store"
    return response


# --- sheets ------------------------------------------------------------------------------------


@hide_secrets_in_error_reports
@permission_required("vault.create_sheet", raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
@vault_errors
@sensitive_variables("sheet")
def sheet_create(request, customer_pk: int):
    customer = get_object_or_404(Customer, pk=customer_pk)
    form = SheetForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entries = sheets.sheet_entries(
            customer,
            entry_ids=[e.pk for e in data["entries"]] if data["entries"] else None,
            service_type=data["service_type"],
        )
        if not entries:
            form.add_error(None, _("No entries match."))
        else:
            try:
                if data["delivery"] == SheetForm.EMAIL:
                    sheet = sheets.sheet_send(
                        actor=request.user,
                        customer=customer,
                        entries=entries,
                        contact=data["contact"],
                        ip_address=client_ip(request),
                    )
                else:
                    sheet = sheets.sheet_create(
                        actor=request.user,
                        customer=customer,
                        entries=entries,
                        ip_address=client_ip(request),
                    )
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                response = render(
                    request,
                    "vault/sheet_result.html",
                    {
                        "customer": customer,
                        "sheet": sheet,
                        "contact": data["contact"] if data["delivery"] == SheetForm.EMAIL else None,
                        # download without storing anything: the encrypted PDF as a data: link
                        "pdf_data": None
                        if data["delivery"] == SheetForm.EMAIL
                        else base64.b64encode(sheet.pdf).decode("ascii"),
                    },
                )
                response["Cache-Control"] = "no-store"
                return response
    return render(request, "vault/sheet_form.html", {"form": form, "customer": customer})


@permission_required("vault.create_sheet", raise_exception=True)
@require_http_methods(["GET", "POST"])
def sheet_bulk(request):
    form = BulkSheetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = sheets.sheet_batch_create(
                actor=request.user,
                host=form.cleaned_data["host"],
                service_type=form.cleaned_data["service_type"],
                ip_address=client_ip(request),
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            return redirect("vault:sheet_batch", pk=batch.pk)
    return render(
        request,
        "vault/sheet_bulk.html",
        {
            "form": form,
            "hosts": selectors.hosts_with_entries(),
            "batches": SheetBatch.objects.filter(created_by=request.user)[:20],
            "service_types": ServiceType.choices,
        },
    )


@permission_required("vault.create_sheet", raise_exception=True)
@require_GET
@never_cache
def sheet_batch(request, pk: int):
    batch = get_object_or_404(SheetBatch, pk=pk, created_by=request.user)
    items = list(batch.items.select_related("customer", "contact").defer("password_ciphertext"))
    template = (
        "vault/_sheet_batch_status.html"
        if request.headers.get("HX-Request")
        else "vault/sheet_batch.html"
    )
    return render(request, template, {"batch": batch, "items": items})


@hide_secrets_in_error_reports
@permission_required("vault.create_sheet", raise_exception=True)
@require_POST
@never_cache
@vault_errors
@sensitive_variables("passwords")
def sheet_batch_passwords(request, pk: int):
    batch = get_object_or_404(SheetBatch, pk=pk, created_by=request.user)
    passwords = sheets.sheet_batch_passwords(
        actor=request.user, batch=batch, ip_address=client_ip(request)
    )
    response = render(
        request, "vault/sheet_batch_passwords.html", {"batch": batch, "passwords": passwords}
    )
    response["Cache-Control"] = "no-store"
    return response


@permission_required("vault.view_vault_audit", raise_exception=True)
@require_GET
def vault_audit(request):
    action = request.GET.get("action", "")
    return render(
        request,
        "vault/audit.html",
        {
            "page": selectors.vault_audit_page(request.GET.get("page", 1), action),
            "action": action,
            "actions": selectors.VAULT_AUDIT_ACTIONS,
        },
    )
