"""A billing run's state says what really happened: issued, not issued, sent, not sent.

Through the command (exit 1 and a JSON ``run`` block when anything failed) and through the
web run (task, then the run page).
"""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .models import BillingRun, Invoice
from .runs import billing_run_create
from .tasks import execute_billing_run

pytestmark = pytest.mark.django_db

EMPTY_DRAFT_ERROR = "not issued: an invoice without lines cannot be issued"


@pytest.fixture
def due():
    """Two customers with a contract due on 2003-01-20, mailing to different addresses."""
    make_seller_profile()
    first = make_customer("K10001", "Erste GmbH", email="rechnung@erste.example")
    second = make_customer("K10002", "Zweite GmbH", email="kaputt@zweite.example")
    make_contract(first, "V-1")
    make_contract(second, "V-2")
    return first, second


@pytest.fixture
def empty_draft():
    """A draft an earlier run left behind that cannot be issued (it has no lines)."""
    customer = make_customer("K10003", "Dritte GmbH")
    return Invoice.objects.create(customer=customer, run_date=date(2003, 1, 1))


def outcome(run: BillingRun) -> tuple:
    return (
        run.status,
        run.invoices_created,
        run.invoices_issued,
        run.issue_failures,
        run.invoices_sent,
        run.send_failures,
    )


def test_a_clean_issuing_run_is_done_only_after_issuing(capsys, due):
    call_command("billing_run", "--date", "2003-01-20", "--issue", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    run = BillingRun.objects.get()
    assert outcome(run) == ("done", 2, 2, 0, 0, 0)
    assert report["run"] == {
        "id": run.pk,
        "status": "done",
        "invoices_created": 2,
        "invoices_issued": 2,
        "issue_failures": 0,
        "invoices_sent": 0,
        "send_failures": 0,
        "errors": [],
    }


def test_an_invoice_that_cannot_be_issued_is_counted_and_the_command_exits_1(
    capsys, due, empty_draft
):
    # when the run issues its new invoices and the draft left waiting
    with pytest.raises(CommandError) as error:
        call_command("billing_run", "--date", "2003-01-20", "--issue", "--format", "json")
    run = BillingRun.objects.get()
    # then the others are issued, the failure is counted, named and makes the exit non-zero
    assert (
        str(error.value) == f"billing run {run.pk} finished with errors: 1 not issued, 0 not sent"
    )
    captured = capsys.readouterr()
    failure = f"K10003 (draft #{empty_draft.pk}): {EMPTY_DRAFT_ERROR}"
    assert captured.err.splitlines() == [failure]
    report = json.loads(captured.out)
    assert report["run"]["status"] == "done_with_errors"
    assert report["run"]["errors"] == [failure]
    assert outcome(run) == ("done_with_errors", 2, 2, 1, 0, 0)
    assert run.error == failure
    assert sorted(Invoice.objects.values_list("status", flat=True)) == [
        "draft",
        "issued",
        "issued",
    ]


@pytest.mark.services
def test_a_refused_recipient_is_counted_as_not_sent(capsys, settings, smtp_server, due):
    # given a mail server that refuses the second customer's address
    smtp_server.configure(settings)
    smtp_server.refuse("kaputt@zweite.example")
    # when the run issues and sends
    with pytest.raises(CommandError) as error:
        call_command("billing_run", "--date", "2003-01-20", "--send")
    run = BillingRun.objects.get()
    # then one invoice is sent, the other issued but counted as not sent
    assert (
        str(error.value) == f"billing run {run.pk} finished with errors: 0 not issued, 1 not sent"
    )
    assert outcome(run) == ("done_with_errors", 2, 2, 0, 1, 1)
    assert dict(Invoice.objects.values_list("customer_number", "status")) == {
        "K10001": "sent",
        "K10002": "issued",
    }
    [line] = run.error.splitlines()
    assert line.startswith(f"K10002 (RE-{timezone.localdate().year}-00002): not sent: ")
    assert "550" in line
    assert [m.rcpt_tos for m in smtp_server.messages] == [["rechnung@erste.example"]]
    assert f"run {run.pk}: done_with_errors; issued 2, not issued 0, sent 1, not sent 1" in (
        capsys.readouterr().out
    )


@pytest.mark.services
def test_the_web_run_counts_failures_and_its_page_shows_them(
    settings, smtp_server, due, empty_draft, admin_client, admin_user
):
    # given a web run that issues and sends, with a draft left by an automatic run
    Invoice.objects.filter(pk=empty_draft.pk).update(
        billing_run=billing_run_create(
            actor=None, run_date=date(2003, 1, 1), issue=True, automatic=True
        )
    )
    smtp_server.configure(settings)
    smtp_server.refuse("kaputt@zweite.example")
    run = billing_run_create(
        actor=admin_user, run_date=date(2003, 1, 20), issue=True, send=True, automatic=True
    )
    # when the worker executes it
    result = execute_billing_run.call(run.pk)
    # then the task result and the run say what happened
    assert result == {
        "status": "done_with_errors",
        "invoices": 2,
        "lines": 2,
        "issued": 2,
        "issue_failures": 1,
        "sent": 1,
        "send_failures": 1,
    }
    run.refresh_from_db()
    assert outcome(run) == ("done_with_errors", 2, 2, 1, 1, 1)
    # and the run page shows it (German for the admin)
    page = admin_client.get(f"/billing/runs/{run.pk}/").content.decode()
    assert 'data-status="done_with_errors"' in page
    assert "2 ausgestellt, 1 nicht ausgestellt · 1 versendet, 1 nicht versendet" in page
    assert f"K10003 (draft #{empty_draft.pk}): {EMPTY_DRAFT_ERROR}" in page
