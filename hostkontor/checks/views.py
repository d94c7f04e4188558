from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from hostkontor.core.client_ip import client_ip
from hostkontor.core.errors import FieldErrors
from hostkontor.core.forms import form_add_errors
from hostkontor.customers.models import Customer
from hostkontor.vault.models import VaultEntry

from . import selectors, services
from .forms import CheckForm
from .models import KIND_FOR_SERVICE, Check
from .tasks import run_checks_now


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
        except FieldErrors as error:
            form_add_errors(form, error)
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
        except FieldErrors as error:
            form_add_errors(form, error)
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


def _task_result(task_id: str):
    """The run requested as ``task_id`` (404 for an unknown id or another task's)."""
    try:
        return run_checks_now.get_result(task_id)
    except (TaskResultDoesNotExist, TaskResultMismatch, ValueError, ValidationError):
        raise Http404 from None


def _finished(result) -> bool:
    return result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


@permission_required("checks.run_check", raise_exception=True)
@require_POST
def check_run(request, pk: int):
    """htmx: request a run of one check; the fragment polls until its result is there."""
    check = get_object_or_404(_check_qs(), pk=pk)
    result = services.checks_run_request(
        actor=request.user, checks=[check], via="button", ip_address=client_ip(request)
    )
    return render(request, "checks/_run_pending.html", {"check": check, "task_id": result.id})


@permission_required("checks.run_check", raise_exception=True)
@require_GET
def run_progress(request, pk: int, task_id: str):
    """htmx polling: the check's result once the requested run has stored it."""
    check = get_object_or_404(_check_qs(), pk=pk)
    result = _task_result(task_id)
    if check.pk not in result.args[0]:
        raise Http404
    run = selectors.runs_since([check], result.enqueued_at).get(check.pk)
    if run is not None:
        return render(request, "checks/_run_result.html", {"check": check, "run": run})
    context = {"check": check, "task_id": task_id, "failed": _finished(result)}
    return render(request, "checks/_run_pending.html", context)


def _customer_results(request, customer, checks, result):
    runs = selectors.runs_since(checks, result.enqueued_at)
    rows = [(check, runs.get(check.pk)) for check in checks]
    pending = any(run is None for _, run in rows) and not _finished(result)
    context = {
        "customer": customer,
        "results": rows,
        "task_id": result.id,
        "pending": pending,
        "failed": _finished(result) and any(run is None for _, run in rows),
    }
    return render(request, "checks/_customer_results.html", context)


@permission_required("checks.run_check", raise_exception=True)
@require_POST
def customer_run(request, customer_pk: int):
    """htmx: request a run of every enabled check of a customer; results appear as they
    arrive (the fragment polls :func:`customer_progress`)."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    checks = [c for c in selectors.customer_checks(customer) if c.enabled]
    result = services.checks_run_request(
        actor=request.user, checks=checks, via="run_all", ip_address=client_ip(request)
    )
    return _customer_results(request, customer, checks, result)


@permission_required("checks.run_check", raise_exception=True)
@require_GET
def customer_progress(request, customer_pk: int, task_id: str):
    customer = get_object_or_404(Customer, pk=customer_pk)
    result = _task_result(task_id)
    wanted = set(result.args[0])
    checks = [c for c in selectors.customer_checks(customer) if c.pk in wanted]
    return _customer_results(request, customer, checks, result)
