"""Billing runs: preview, create drafts in customer batches, exactly once.

Each batch of customers is one transaction: the customers' rows are locked in ascending id
order (so concurrent runs queue instead of deadlocking), their billing state is loaded
after the lock (so a run that waited sees what the other one billed), and the invoices
with all their lines are inserted in bulk. A run that dies keeps the batches it finished,
whole; the next run bills the rest. The partial unique indexes on invoice lines make a
double line impossible even if this locking were bypassed.

A run is finished only when everything it was asked to do was tried: a run that issues
stays "running" after its drafts until ``run_issuing.billing_run_issue`` has issued (and
sent) them; :func:`billing_run_finish` then says what really happened ("done", or "done
with errors" when an invoice could not be issued or sent).
"""

import logging
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hostkontor.core.audit import audit_record
from hostkontor.customers.models import Customer
from hostkontor.usage.billing import usage_lines_for

from .drafting import InvoiceDraft, draft_invoice
from .loading import candidate_customer_ids, load_bundles
from .models import BillingRun, Invoice, InvoiceLine

logger = logging.getLogger(__name__)

BATCH_SIZE = 250
MAX_ERRORS_SHOWN = 50
OUTCOME_FIELDS = ("invoices_issued", "issue_failures", "invoices_sent", "send_failures")


class RunDateError(ValueError):
    """The billing date is further ahead than the horizon and the future was not allowed."""

    def __init__(self, run_date: date, horizon: date, days: int):
        super().__init__(f"{run_date} is more than {days} days ahead of today (after {horizon})")
        self.run_date, self.horizon, self.days = run_date, horizon, days


def run_date_check(run_date: date, *, allow_future: bool = False) -> None:
    """Refuse a date beyond ``BILLING_HORIZON_DAYS`` from today unless asked for: a run for
    2099 bills a century of periods, which is a typo far more often than a plan."""
    days = settings.BILLING_HORIZON_DAYS
    horizon = timezone.localdate() + timedelta(days=days)
    if run_date > horizon and not allow_future:
        raise RunDateError(run_date, horizon, days)


def _batches(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for offset in range(0, len(ids), size):
        yield ids[offset : offset + size]


def billing_preview(*, run_date: date, batch_size: int = BATCH_SIZE) -> Iterator[InvoiceDraft]:
    """What a run on ``run_date`` would bill, customer by customer. Saves nothing."""
    for batch in _batches(candidate_customer_ids(run_date), batch_size):
        usage = usage_lines_for(batch, run_date)  # usage app: due usage lines per customer
        for bundle in load_bundles(batch, run_date):
            draft = draft_invoice(bundle, run_date, extra_lines=usage.get(bundle.customer_id, []))
            if draft is not None:
                yield draft


@transaction.atomic
def billing_run_create(
    *, actor, run_date: date, issue: bool = False, send: bool = False, automatic: bool = False
) -> BillingRun:
    run = BillingRun.objects.create(
        run_date=run_date,
        issue=issue or send,
        send=send,
        automatic=automatic,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="billing_run.created",
        obj=run,
        changes={
            "run_date": ["", run_date.isoformat()],
            "issue": ["", str(run.issue)],
            "send": ["", str(send)],
        },
    )
    return run


def _insert_drafts(run: BillingRun, drafts: list[InvoiceDraft]) -> tuple[list[Invoice], int]:
    invoices = []
    for draft in drafts:
        totals = draft.totals
        invoices.append(
            Invoice(
                customer_id=draft.customer_id,
                billing_run=run,
                run_date=run.run_date,
                language=draft.language,
                tax_treatment=draft.tax_treatment,
                customer_number=draft.customer_number,
                net_total=totals.net,
                tax_total=totals.tax,
                gross_total=totals.gross,
            )
        )
    Invoice.objects.bulk_create(invoices)
    lines = [
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=line.kind,
            contract_id=line.contract_id,
            one_off_item_id=line.item_id,
            usage_component_id=line.usage_component_id,
            description=line.description,
            period_start=line.period_start,
            period_end=line.period_end,
            quantity=line.quantity,
            unit_price=line.unit_price,
            net=line.net,
            tax_rate=line.tax_rate,
        )
        for invoice, draft in zip(invoices, drafts, strict=True)
        for position, line in enumerate(draft.lines, start=1)
    ]
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    return invoices, len(lines)


def _bill_batch(run: BillingRun, batch: Sequence[int]) -> tuple[list[Invoice], int]:
    with transaction.atomic():
        # Lock in a fixed order; load only after the lock is held.
        list(
            Customer.objects.select_for_update()
            .filter(pk__in=batch)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        usage = usage_lines_for(batch, run.run_date, record_holds=True)  # usage app
        drafts = [
            d
            for b in load_bundles(batch, run.run_date)
            if (d := draft_invoice(b, run.run_date, extra_lines=usage.get(b.customer_id, [])))
        ]
        invoices, line_count = _insert_drafts(run, drafts)
        BillingRun.objects.filter(pk=run.pk).update(
            customers_done=F("customers_done") + len(batch),
            invoices_created=F("invoices_created") + len(invoices),
            lines_created=F("lines_created") + line_count,
        )
    return invoices, line_count


def billing_run_execute(*, run: BillingRun, batch_size: int = BATCH_SIZE) -> list[Invoice]:
    """Create the run's draft invoices. Returns them; the run row carries the progress."""
    ids = candidate_customer_ids(run.run_date)
    BillingRun.objects.filter(pk=run.pk).update(
        status=BillingRun.Status.RUNNING, started_at=timezone.now(), customers_total=len(ids)
    )
    created: list[Invoice] = []
    try:
        for batch in _batches(ids, batch_size):
            try:
                invoices, _ = _bill_batch(run, batch)
            except IntegrityError:
                # Another writer billed a period of this batch between our load and insert
                # (only possible without row locks); reloading sees it and bills the rest.
                logger.warning("billing run %s: batch retried after a concurrent insert", run.pk)
                invoices, _ = _bill_batch(run, batch)
            created.extend(invoices)
    except Exception as error:
        BillingRun.objects.filter(pk=run.pk).update(
            status=BillingRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}",
        )
        raise
    if not run.issue:
        billing_run_finish(run=run)
    return created


def billing_run_finish(*, run: BillingRun, errors: Sequence[str] = ()) -> BillingRun:
    """Mark the run finished with what really happened: "done" only when every invoice it
    was asked to issue and send was issued and sent; ``errors`` name the failures."""
    run.refresh_from_db()
    failed = run.issue_failures or run.send_failures
    status = BillingRun.Status.DONE_WITH_ERRORS if failed else BillingRun.Status.DONE
    shown = list(errors[:MAX_ERRORS_SHOWN])
    if len(errors) > len(shown):
        shown.append(f"… and {len(errors) - len(shown)} more")
    BillingRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), error="\n".join(shown)
    )
    run.refresh_from_db()
    audit_record(
        actor=run.created_by,
        action="billing_run.finished",
        obj=run,
        changes={
            name: ["", str(getattr(run, name))]
            for name in ("status", "invoices_created", "lines_created") + OUTCOME_FIELDS
        },
    )
    return run
