"""Background work of billing: a run with visible progress, and the daily automatic run."""

from django.utils import timezone
from django_tasks import task

from .invoices import invoice_issue
from .models import BillingRun, Invoice, SellerProfile
from .runs import billing_run_create, billing_run_execute
from .sending import invoice_send


def _issue_and_send(run: BillingRun, invoices: list[Invoice]) -> None:
    for invoice in invoices:
        issued = invoice_issue(actor=run.created_by, invoice=invoice, on=run.run_date)
        if run.send:
            invoice_send(actor=run.created_by, invoice=issued)


def _left_by_earlier_automatic_runs(run: BillingRun, invoices: list[Invoice]) -> list[Invoice]:
    """Drafts an earlier automatic run created but could not issue (it failed half way):
    nobody reviews them in automatic mode, so the next automatic run issues them."""
    return list(
        Invoice.objects.filter(
            status=Invoice.Status.DRAFT,
            kind=Invoice.Kind.INVOICE,
            billing_run__automatic=True,
            run_date__lte=run.run_date,
        )
        .exclude(pk__in=[i.pk for i in invoices])
        .order_by("pk")
    )


@task()
def execute_billing_run(run_id: int) -> dict:
    run = BillingRun.objects.get(pk=run_id)
    invoices = billing_run_execute(run=run)
    if run.issue:
        if run.automatic:
            invoices += _left_by_earlier_automatic_runs(run, invoices)
        try:
            _issue_and_send(run, invoices)
        except Exception as error:
            BillingRun.objects.filter(pk=run.pk).update(
                error=f"issuing failed: {type(error).__name__}: {error}"
            )
            raise
    run.refresh_from_db()
    return {"invoices": run.invoices_created, "lines": run.lines_created}


@task()
def automatic_billing() -> dict | None:
    """The daily run of the automatic mode: create, issue and send what is due today."""
    if not SellerProfile.current().auto_billing:
        return None
    run = billing_run_create(
        actor=None, run_date=timezone.localdate(), issue=True, send=True, automatic=True
    )
    return execute_billing_run.call(run.pk)
