from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile
from hostkontor.testing.queries import count_queries

from .invoices import invoice_issue
from .models import BillingRun, Invoice
from .runs import billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db


def make_invoices(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        make_contract(make_customer(number=f"K{i:05d}", company=f"Firma {i}"), f"V-{i:05d}")
    billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))


def test_invoice_list_has_fixed_queries_and_the_totals_of_the_filter(admin_client):
    make_invoices(3)
    few = count_queries(admin_client, reverse("billing:invoice_list") + "?status=draft")
    make_invoices(60, start=3)
    many = count_queries(admin_client, reverse("billing:invoice_list") + "?status=draft")
    assert few == many
    response = admin_client.get(reverse("billing:invoice_list"), {"customer": "K0000"})
    # K00000..K00009: ten invoices of 57.00 net each
    assert response.context["totals"] == {
        "net": Decimal("570.00"),
        "tax": Decimal("108.30"),
        "gross": Decimal("678.30"),
    }


def test_preview_shows_lines_and_saves_nothing(admin_client):
    make_contract(make_customer(), "V-1", setup_fee=Decimal("39.00"))
    response = admin_client.post(
        reverse("billing:run_list"), {"run_date": "20.01.2003", "preview": "1"}
    )
    html = response.content.decode()
    assert response.context["preview"]["count"] == 1
    assert "Einrichtungsgebühr: Domain Server Standard" in html and "114,24" in html
    assert Invoice.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_run_from_the_ui_runs_in_the_worker_and_shows_progress(admin_client):
    make_contract(make_customer(), "V-1", setup_fee=Decimal("39.00"))
    # when the button is pressed
    response = admin_client.post(
        reverse("billing:run_list"), {"run_date": "20.01.2003", "run": "1"}
    )
    run = BillingRun.objects.get()
    assert response["Location"] == reverse("billing:run_detail", args=[run.pk])
    assert run.status == "queued"
    # and the worker processes the task
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    # then the progress fragment says done with one invoice
    fragment = admin_client.get(
        reverse("billing:run_detail", args=[run.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'data-status="done"' in fragment.content.decode()
    run.refresh_from_db()
    assert (run.invoices_created, run.lines_created, run.progress_percent) == (1, 2, 100)


def test_issue_cancel_and_pdf_through_the_views(admin_client):
    make_seller_profile()
    make_contract(make_customer(), "V-1")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    admin_client.post(reverse("billing:invoice_issue", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.number is not None
    pdf = admin_client.get(reverse("billing:invoice_pdf", args=[draft.pk]))
    assert (
        pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    )
    response = admin_client.post(reverse("billing:invoice_cancel", args=[draft.pk]))
    credit = Invoice.objects.get(kind="credit_note")
    assert response["Location"] == reverse("billing:invoice_detail", args=[credit.pk])


def test_technician_cannot_see_invoices_and_support_cannot_issue(client, technician_user):
    from hostkontor.testing.users import make_user

    client.force_login(technician_user)
    assert client.get(reverse("billing:invoice_list")).status_code == 403
    support = make_user("support", role="Support")
    client.force_login(support)
    make_contract(make_customer(), "V-1")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    assert client.get(reverse("billing:invoice_list")).status_code == 200
    assert client.post(reverse("billing:invoice_issue", args=[draft.pk])).status_code == 403


def test_customer_hub_shows_the_invoice_panel(admin_client):
    make_seller_profile()
    customer = make_customer()
    make_contract(customer, "V-1")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    invoice_issue(actor=None, invoice=draft)
    html = admin_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    number = f"RE-{timezone.localdate().year}-00001"
    assert 'data-testid="hub-invoices"' in html and number in html and "67,83" in html


def test_run_list_has_fixed_queries_and_names_the_system_in_german(admin_client, admin_user):
    # given a few runs, one started by the scheduler
    billing_run_create(actor=admin_user, run_date=date(2003, 1, 20))
    billing_run_create(actor=None, run_date=date(2003, 1, 21), automatic=True)
    few = count_queries(admin_client, reverse("billing:run_list"))
    # when there are many more, by users and by the system
    for day in range(1, 19):
        billing_run_create(actor=admin_user if day % 2 else None, run_date=date(2003, 2, day))
    many = count_queries(admin_client, reverse("billing:run_list"))
    # then the page costs the same number of queries and speaks German
    assert few == many
    html = admin_client.get(reverse("billing:run_list")).content.decode()
    assert html.count("<td>System</td>") == 10 and html.count("<td>chef</td>") == 10


def test_invoice_list_filters_by_number_range_with_the_totals_of_the_range(admin_client):
    # given two issued invoices of 57.00 net, one of them cancelled by a credit note
    from .invoices import invoice_cancel

    make_seller_profile()
    make_invoices(2)
    first, second = Invoice.objects.order_by("customer__number")
    invoice_issue(actor=None, invoice=first)
    invoice_issue(actor=None, invoice=second)
    invoice_cancel(actor=None, invoice=first)
    url = reverse("billing:invoice_list")

    # when the list is filtered by range
    invoices = admin_client.get(url, {"kind": "invoice"})
    today = timezone.localdate()
    credits = admin_client.get(url, {"kind": "credit_note", "date_from": f"{today:%d.%m.%Y}"})
    both = admin_client.get(url)

    # then each range lists its documents with the totals of the filter, in German formats
    def numbers(response):
        return [str(invoice) for invoice in response.context["page"]]

    assert numbers(invoices) == [f"RE-{today.year}-00002", f"RE-{today.year}-00001"]
    assert invoices.context["totals"]["gross"] == Decimal("135.66")
    assert numbers(credits) == [f"ST-{today.year}-00001"]
    assert credits.context["totals"] == {
        "net": Decimal("-57.00"),
        "tax": Decimal("-10.83"),
        "gross": Decimal("-67.83"),
    }
    assert "-67,83\xa0€" in credits.content.decode()
    assert both.context["totals"]["gross"] == Decimal("67.83")


class RefusingMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_failed_sending_is_shown_and_retried_from_the_ui(admin_client, settings):
    # given an issued invoice and a mail server that is down
    make_seller_profile()
    make_contract(make_customer(), "V-1")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    invoice = invoice_issue(actor=None, invoice=draft)
    settings.EMAIL_BACKEND = "hostkontor.billing.test_views.RefusingMailBackend"
    detail = reverse("billing:invoice_detail", args=[invoice.pk])

    # when it is sent from the detail page
    response = admin_client.post(reverse("billing:invoice_send", args=[invoice.pk]), follow=True)

    # then the failure is shown on the invoice and marked in the list
    html = response.content.decode()
    assert "Versand fehlgeschlagen: Mail server not reachable: Connection refused" in html
    assert "Letzter Versand fehlgeschlagen (1×)" in html
    listing = admin_client.get(reverse("billing:invoice_list")).content.decode()
    assert "nicht versendet" in listing
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_attempts) == ("issued", 1)

    # when the server is back and the user presses the button again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin_client.post(reverse("billing:invoice_send", args=[invoice.pk]))

    # then the invoice is sent and the failure is gone
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_attempts, invoice.send_error) == ("sent", 2, "")
    assert [m.to for m in mail.outbox] == [["buchhaltung@example.com"]]
    assert "Letzter Versand fehlgeschlagen" not in admin_client.get(detail).content.decode()


def test_the_run_form_refuses_a_date_beyond_the_horizon_unless_allowed(admin_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from .models import BillingRun

    settings.BILLING_HORIZON_DAYS = 366
    far = timezone.localdate() + timedelta(days=367)
    # when an admin starts a run far in the future
    response = admin_client.post("/billing/runs/", {"run_date": far.isoformat(), "run": "1"})
    # then the form says why (German) and no run is created
    assert response.status_code == 200
    assert (
        f"{far:%d.%m.%Y} liegt mehr als 366 Tage in der Zukunft. Kreuzen Sie „Abrechnungsdatum "
        "weit in der Zukunft erlauben“ an, wenn das gewollt ist."
    ) in response.content.decode()
    assert BillingRun.objects.count() == 0
    # and with the box ticked the run starts
    response = admin_client.post(
        "/billing/runs/", {"run_date": far.isoformat(), "allow_future": "on", "run": "1"}
    )
    run = BillingRun.objects.get()
    assert (response.status_code, response.url) == (302, f"/billing/runs/{run.pk}/")
