from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hostkontor.core.client_ip import client_ip
from hostkontor.customers.models import Customer
from hostkontor.vault.models import VaultEntry

from . import selectors, services
from .forms import CheckForm
from .models import KIND_FOR_SERVICE, Check


def _check_qs():
    return Check.objects.select_related("entry", "entry__customer")


@permission_required("checks.view_check", raise_exception=True)
@require_GET
def dashboard(request):
    state = request.GET.get("state", "failing")
    return render(request, "checks/dashboard.html", selectors.dashboard(state))


@permission_required("checks.view_check", raise_exception=True)
@require_GET
def check_detail(request, pk: int):
    check = get_object_or_404(_check_qs(), pk=pk)
    return render(
        request,
        "checks/detail.html",
        {"check": check, "entry": check.entry, "runs": selectors.check_history(check)},
    )


@permission_required("checks.add_check", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_create(request, entry_pk: int):
    entry = get_object_or_404(VaultEntry.objects.select_related("customer"), pk=entry_pk)
    kind = KIND_FOR_SERVICE.get(entry.service_type, "")
    form = CheckForm(request.POST or None, kind=kind)
    if not services.checkable(entry):
        messages.error(request, _("This service type and TLS mode cannot be checked."))
        return redirect("vault:detail", pk=entry.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_create(
                actor=request.user,
                entry=entry,
                values=form.cleaned_data,
                ip_address=client_ip(request),
            )
        except services.CheckValidationError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Check created."))
            return redirect("vault:detail", pk=entry.pk)
    return render(request, "checks/form.html", {"form": form, "entry": entry})


@permission_required("checks.change_check", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_edit(request, pk: int):
    check = get_object_or_404(_check_qs(), pk=pk)
    form = CheckForm(request.POST or None, instance=Check.objects.get(pk=pk), kind=check.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_update(
                actor=request.user,
                check=check,
                values=form.cleaned_data,
                ip_address=client_ip(request),
            )
        except services.CheckValidationError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Check saved."))
            return redirect("checks:detail", pk=check.pk)
    return render(request, "checks/form.html", {"form": form, "entry": check.entry, "check": check})


@permission_required("checks.delete_check", raise_exception=True)
@require_POST
def check_delete(request, pk: int):
    check = get_object_or_404(_check_qs(), pk=pk)
    entry_pk = check.entry_id
    services.check_delete(actor=request.user, check=check, ip_address=client_ip(request))
    messages.success(request, _("Check deleted."))
    return redirect("vault:detail", pk=entry_pk)


@permission_required("checks.run_check", raise_exception=True)
@require_POST
def check_run(request, pk: int):
    """htmx: run one check now; the result fragment replaces the check's row/result."""
    check = get_object_or_404(_check_qs(), pk=pk)
    run = services.check_run_now(actor=request.user, check=check)
    return render(request, "checks/_run_result.html", {"check": check, "run": run})


@permission_required("checks.run_check", raise_exception=True)
@require_POST
def customer_run(request, customer_pk: int):
    """htmx: run every enabled check of a customer now (concurrently)."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    checks = [c for c in selectors.customer_checks(customer) if c.enabled]
    runs = services.checks_run(checks)
    return render(
        request,
        "checks/_customer_results.html",
        {"customer": customer, "results": list(zip(checks, runs, strict=True))},
    )
