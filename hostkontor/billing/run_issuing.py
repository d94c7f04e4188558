"""Issuing and sending what a billing run created, counted on the run.

Each invoice is issued in its own transaction (``invoice_issue``): one that cannot be
issued rolls back alone, gives its number back, is counted as a failure and the run goes
on with the others. Sent invoices and refused mails are counted the same way. The run row
is updated after every invoice (progress) and finished at the end by
:func:`runs.billing_run_finish`, so its state says what really happened.
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from .invoices import invoice_issue
from .models import BillingRun, Invoice
from .runs import billing_run_finish
from .sending import invoice_send

logger = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    run: BillingRun
    issued: list[Invoice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "K10001 (draft #7): why", issue and send


def _label(invoice: Invoice) -> str:
    who = invoice.customer_number or invoice.customer.number  # drafts may lack the snapshot
    return f"{who} ({invoice.number or f'draft #{invoice.pk}'})"


def _count(run: BillingRun, name: str) -> None:
    BillingRun.objects.filter(pk=run.pk).update(**{name: F(name) + 1})


def _issue_one(run: BillingRun, invoice: Invoice, outcome: RunOutcome) -> Invoice | None:
    try:
        # the invoice date is the day of issue; the run date only decided what was billed
        issued = invoice_issue(actor=run.created_by, invoice=invoice)
    except Exception as error:  # one invoice's failure must not stop or hide the others
        logger.warning("billing run %s: %s not issued", run.pk, _label(invoice), exc_info=True)
        outcome.errors.append(f"{_label(invoice)}: not issued: {error}")
        _count(run, "issue_failures")
        return None
    _count(run, "invoices_issued")
    outcome.issued.append(issued)
    return issued


def billing_run_issue(*, run: BillingRun, invoices: Iterable[Invoice]) -> RunOutcome:
    """Issue ``invoices`` (and mail them if the run sends), then finish the run."""
    outcome = RunOutcome(run=run)
    connection = get_connection(fail_silently=False) if run.send else None
    try:
        for invoice in invoices:
            issued = _issue_one(run, invoice, outcome)
            if issued is None or not run.send:
                continue
            result = invoice_send(actor=run.created_by, invoice=issued, connection=connection)
            if result.ok:
                _count(run, "invoices_sent")
            else:
                outcome.errors.append(f"{_label(issued)}: not sent: {result.error}")
                _count(run, "send_failures")
    except Exception as error:
        BillingRun.objects.filter(pk=run.pk).update(
            status=BillingRun.Status.FAILED,
            finished_at=timezone.now(),
            error="\n".join([*outcome.errors, f"{type(error).__name__}: {error}"]),
        )
        raise
    finally:
        if connection is not None:
            try:
                connection.close()
            except (smtplib.SMTPException, OSError):
                pass
    outcome.run = billing_run_finish(run=run, errors=outcome.errors)
    return outcome
