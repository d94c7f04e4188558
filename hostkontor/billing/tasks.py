"""Background work of billing: a run with visible progress, and the daily automatic run."""

from django.utils import timezone
from django_tasks import task

from .models import BillingRun, Invoice, SellerProfile
from .run_issuing import billing_run_issue
from .runs import billing_run_create, billing_run_execute


def _left_by_earlier_automatic_runs(run: BillingRun):
    """Drafts an earlier automatic run created but could not issue (it failed half way):
    nobody reviews them in automatic mode, so the next automatic run issues them."""
    return (
        Invoice.objects.filter(
            status=Invoice.Status.DRAFT,
            kind=Invoice.Kind.INVOICE,
            billing_run__automatic=True,
            run_date__lte=run.run_date,
        )
        .exclude(billing_run=run)
        .order_by("pk")
    )


@task()
def execute_billing_run(run_id: int) -> dict:
    run = BillingRun.objects.get(pk=run_id)
    invoices = billing_run_execute(run=run)
    if run.issue:
        if run.automatic:
            invoices += list(_left_by_earlier_automatic_runs(run))
        billing_run_issue(run=run, invoices=invoices)
    run.refresh_from_db()
    return {
        "status": run.status,
        "invoices": run.invoices_created,
        "lines": run.lines_created,
        "issued": run.invoices_issued,
        "issue_failures": run.issue_failures,
        "sent": run.invoices_sent,
        "send_failures": run.send_failures,
    }


@task()
def automatic_billing() -> dict | None:
    """The daily run of the automatic mode: create, issue and send what is due today."""
    if not SellerProfile.current().auto_billing:
        return None
    run = billing_run_create(
        actor=None, run_date=timezone.localdate(), issue=True, send=True, automatic=True
    )
    return execute_billing_run.call(run.pk)
