from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hostkontor.core.audit import audit_record
from hostkontor.core.numbering import NumberPatternError

from . import selectors
from .forms import DateForm, InvoiceFilterForm, RunForm, SellerProfileForm
from .invoices import (
    InvoiceStateError,
    invoice_cancel,
    invoice_delete_draft,
    invoice_issue,
    invoice_mark_paid,
)
from .issue_rules import IssueRefused
from .models import BillingRun, Invoice, SellerProfile
from .number_range_form import NUMBER_RANGE_FIELDS
from .number_ranges import seller_number_ranges_update
from .rendering import invoice_pdf_bytes
from .runs import billing_preview, billing_run_create
from .seller_profile import customers_tax_rederive, seller_missing
from .sending import InvoiceNotSendable, invoice_send
from .tasks import execute_billing_run

PREVIEW_LIMIT = 200


@permission_required("billing.run_billing", raise_exception=True)
@require_http_methods(["GET", "POST"])
def run_list(request):
    form = RunForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            drafts = []
            count = 0
            for draft in billing_preview(run_date=data["run_date"]):
                count += 1
                if len(drafts) < PREVIEW_LIMIT:
                    drafts.append(draft)
            preview = {"drafts": drafts, "count": count, "limited": count > len(drafts)}
        else:
            if (data["issue"] or data["send"]) and not request.user.has_perm(
                "billing.issue_invoice"
            ):
                raise Http404
            run = billing_run_create(
                actor=request.user,
                run_date=data["run_date"],
                issue=data["issue"],
                send=data["send"],
            )
            execute_billing_run.enqueue(run.pk)
            return redirect("billing:run_detail", pk=run.pk)
    return render(
        request,
        "billing/run_list.html",
        {"form": form, "preview": preview, "runs": selectors.recent_runs()},
    )


@permission_required("billing.run_billing", raise_exception=True)
def run_detail(request, pk: int):
    run = get_object_or_404(BillingRun, pk=pk)
    template = (
        "billing/_run_progress.html"
        if request.headers.get("HX-Request")
        else "billing/run_detail.html"
    )
    return render(request, template, {"run": run})


@permission_required("billing.view_invoice", raise_exception=True)
def invoice_list(request):
    form = InvoiceFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    f = selectors.InvoiceFilter(**{k: v for k, v in cleaned.items() if v not in (None, "")})
    page, totals = selectors.invoice_page(f, request.GET.get("page", 1))
    template = (
        "billing/_invoice_table.html"
        if request.headers.get("HX-Request")
        else "billing/invoice_list.html"
    )
    return render(request, template, {"form": form, "page": page, "totals": totals})


@permission_required("billing.view_invoice", raise_exception=True)
def invoice_detail(request, pk: int):
    try:
        invoice = selectors.invoice_detail(pk)
    except Invoice.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "billing/invoice_detail.html",
        {"invoice": invoice, "lines": list(invoice.lines.all()), "date_form": DateForm()},
    )


@permission_required("billing.view_invoice", raise_exception=True)
def invoice_pdf(request, pk: int):
    invoice = get_object_or_404(Invoice, pk=pk)
    if invoice.is_draft:
        raise Http404(_("Drafts have no PDF; issue the invoice first."))
    audit_record(
        actor=request.user,
        action="invoice.downloaded",
        obj=invoice,
        customer_id=invoice.customer_id,
    )
    response = FileResponse(iter([invoice_pdf_bytes(invoice)]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


def _act(request, pk: int, action):
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        result = action(invoice)
    except (InvoiceStateError, InvoiceNotSendable, IssueRefused) as error:
        messages.error(request, str(error))
        return redirect("billing:invoice_detail", pk=pk)
    return result


@permission_required("billing.issue_invoice", raise_exception=True)
@require_POST
def invoice_issue_view(request, pk: int):
    def issue(invoice):
        issued = invoice_issue(actor=request.user, invoice=invoice, on=timezone.localdate())
        messages.success(request, _("Invoice %(number)s issued.") % {"number": issued.number})
        return redirect("billing:invoice_detail", pk=pk)

    return _act(request, pk, issue)


@permission_required("billing.issue_invoice", raise_exception=True)
@require_POST
def invoice_send_view(request, pk: int):
    def send(invoice):
        result = invoice_send(actor=request.user, invoice=invoice)
        if result.ok:
            messages.success(request, _("Invoice %(number)s sent.") % {"number": invoice.number})
        else:
            messages.error(request, _("Sending failed: %(error)s") % {"error": result.error})
        return redirect("billing:invoice_detail", pk=pk)

    return _act(request, pk, send)


@permission_required("billing.issue_invoice", raise_exception=True)
@require_POST
def invoice_paid_view(request, pk: int):
    form = DateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please enter a valid date."))
        return redirect("billing:invoice_detail", pk=pk)

    def paid(invoice):
        invoice_mark_paid(actor=request.user, invoice=invoice, paid_on=form.cleaned_data["on"])
        return redirect("billing:invoice_detail", pk=pk)

    return _act(request, pk, paid)


@permission_required("billing.cancel_invoice", raise_exception=True)
@require_POST
def invoice_cancel_view(request, pk: int):
    def cancel(invoice):
        credit = invoice_cancel(actor=request.user, invoice=invoice, on=timezone.localdate())
        messages.success(
            request, _("Cancellation invoice %(number)s issued.") % {"number": credit.number}
        )
        return redirect("billing:invoice_detail", pk=credit.pk)

    return _act(request, pk, cancel)


@permission_required("billing.run_billing", raise_exception=True)
@require_POST
def invoice_delete_view(request, pk: int):
    def delete(invoice):
        invoice_delete_draft(actor=request.user, invoice=invoice)
        messages.success(request, _("Draft deleted; its periods are due again."))
        return redirect("billing:invoice_list")

    return _act(request, pk, delete)


@permission_required("billing.change_sellerprofile", raise_exception=True)
@require_http_methods(["GET", "POST"])
def seller(request):
    profile = SellerProfile.current()
    form = SellerProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: [str(form.initial.get(name, "")), str(form.cleaned_data[name])]
            for name in form.changed_data
            if name not in NUMBER_RANGE_FIELDS  # audited by seller_number_ranges_update
        }
        try:
            with transaction.atomic():
                _seller_save(request, form, profile, changes)
        except NumberPatternError as error:  # a counter another user raised meanwhile
            messages.error(request, str(error))
            return redirect("billing:seller")
        messages.success(request, _("Invoice settings saved."))
        return redirect("billing:seller")
    return render(
        request, "billing/seller.html", {"form": form, "missing": seller_missing(profile)}
    )


def _seller_save(request, form, profile, changes) -> None:
    """The profile's fields, then its number ranges (``number_ranges.py``), audited."""
    form.save()
    if "country" in form.changed_data:  # the seller's country decides tax treatments
        changes["customers_rederived"] = ["", str(customers_tax_rederive(profile.country))]
    audit_record(actor=request.user, action="seller_profile.updated", obj=profile, changes=changes)
    seller_number_ranges_update(
        actor=request.user, requests=form.number_range_requests(), today=form.today
    )
