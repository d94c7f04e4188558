"""Issuing refuses what would be wrong (issue 10): seller data, tax treatment, dates, totals.

Every way of issuing is checked: the invoice page, ``billing_run --issue`` (which also is
the automatic run's path, ``run_issuing``) and the service.
"""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from hostkontor.customers.services import CustomerData, customer_update
from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .invoices import invoice_cancel, invoice_delete_draft, invoice_issue
from .issue_rules import IssueRefused
from .models import Invoice, OneOffItem, SellerProfile
from .runs import billing_run_create, billing_run_execute
from .test_rendering import pdf_text

pytestmark = pytest.mark.django_db


def run_on(day: date) -> list[Invoice]:
    return billing_run_execute(run=billing_run_create(actor=None, run_date=day))


@pytest.fixture
def draft():
    make_contract(make_customer(), "V-1")
    [invoice] = run_on(date(2003, 1, 20))
    return invoice


# --- seller data ------------------------------------------------------------------------


def test_a_fresh_install_refuses_to_issue_and_names_what_is_missing(draft, admin_client):
    # given no seller data at all (a fresh install): the placeholder company is gone
    assert SellerProfile.current().company == ""
    # when the invoice is issued on its page
    response = admin_client.post(reverse("billing:invoice_issue", args=[draft.pk]), follow=True)
    # then it stays a draft and the page says what to fill in, in German
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
    html = response.content.decode()
    assert (
        "Nicht ausgestellt: in den Rechnungseinstellungen fehlen Firma, Straße, PLZ, Ort, "
        "Steuernummer oder USt-IdNr., IBAN (Rechnungen werden per Überweisung bezahlt)."
    ) in html


def test_the_command_line_run_refuses_too_and_exits_1(draft, capsys):
    # given a seller without bank details
    make_seller_profile(iban="", bic="", bank_name="")
    # when the run issues from the command line
    with pytest.raises(CommandError, match="1 not issued"):
        call_command("billing_run", "--date", "2003-01-20", "--issue", "--format", "json")
    # then the draft is not issued and the report says why, in English like every command
    report = json.loads(capsys.readouterr().out)
    assert report["run"]["errors"] == [
        f"K10001 (draft #{draft.pk}): not issued: Not issued: the invoice settings lack IBAN "
        "(invoices are paid by bank transfer). Complete them under Invoice settings (or "
        "`manage.py seller_profile --file seller.toml`)."
    ]
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_reverse_charge_needs_the_sellers_vat_id_domestic_a_tax_number_is_enough(admin_user):
    # given a seller with a tax number but no VAT id, a German and an Austrian business
    make_seller_profile(vat_id="")
    make_contract(make_customer("K10001"), "V-1")
    austrian = make_customer(
        "K10002", "Wien GmbH", country="AT", vat_id="ATU13585627", tax_treatment="eu_reverse_charge"
    )
    make_contract(austrian, "V-2")
    german_draft, austrian_draft = sorted(run_on(date(2003, 1, 20)), key=lambda i: i.customer_id)
    # when both are issued
    issued = invoice_issue(actor=admin_user, invoice=german_draft)
    with pytest.raises(IssueRefused) as refused:
        invoice_issue(actor=admin_user, invoice=austrian_draft)
    # then the domestic one is issued, the reverse charge one waits for the VAT id
    assert issued.status == "issued"
    assert "fehlen USt-IdNr. (für Rechnungen mit Steuerschuldnerschaft" in str(refused.value)
    assert Invoice.objects.get(pk=austrian_draft.pk).number is None


# --- tax treatment at issue (§14c UStG) ---------------------------------------------------


def test_a_draft_taxed_for_germany_is_not_issued_after_the_customer_got_an_austrian_vat_id(
    draft, admin_user, tmp_path
):
    # given a draft with 19 % for a German customer, and a complete seller
    make_seller_profile()
    assert {line.tax_rate for line in draft.lines.all()} == {Decimal("19.00")}
    # when the customer becomes an Austrian business with a VAT id, and the draft is issued
    customer = draft.customer
    data = CustomerData(
        company=customer.company,
        street="Kärntner Straße 1",
        zip_code="1010",
        city="Wien",
        country="AT",
        vat_id="ATU13585627",
        email=customer.email,
    )
    customer_update(actor=None, customer=customer, data=data)
    with pytest.raises(IssueRefused) as refused:
        invoice_issue(actor=admin_user, invoice=draft)
    # then it is refused, naming the customer and both treatments, and nothing is issued
    assert str(refused.value) == (
        "Nicht ausgestellt: der Entwurf für K10001 dmmd GmbH & Co. KG wurde als „Inland (mit "
        "USt.)“ besteuert, die steuerliche Behandlung des Kunden ist jetzt „EU, "
        "Steuerschuldnerschaft des Leistungsempfängers“ (Land oder USt-IdNr. geändert). Bitte "
        "den Entwurf löschen und die Abrechnung erneut laufen lassen, damit die Positionen "
        "richtig besteuert werden."
    )
    assert Invoice.objects.filter(status="issued").count() == 0
    # and once the draft is made again, the document has 0 % next to the reverse charge note
    invoice_delete_draft(actor=admin_user, invoice=draft)
    [again] = run_on(date(2003, 1, 20))
    issued = invoice_issue(actor=admin_user, invoice=again)
    text = " ".join(pdf_text(issued.pdf.read(), tmp_path).split())
    assert (issued.tax_treatment, issued.tax_total) == ("eu_reverse_charge", Decimal("0.00"))
    assert "Steuerschuldnerschaft des Leistungsempfängers" in text
    assert "19 %" not in text and "19,00 %" not in text


# --- dates and closed periods -------------------------------------------------------------


def test_billing_run_for_a_past_date_issues_with_todays_date_and_number_year(capsys, tmp_path):
    # given a complete seller and a contract due on 1 June 2025
    make_seller_profile()
    make_contract(make_customer(), "V-1", start=date(2025, 6, 1))
    # when `billing_run --date 2025-06-01 --issue` runs today
    call_command("billing_run", "--date", "2025-06-01", "--issue", "--format", "json")
    # then the invoice bills June 2025 but is dated today, with a number of today's year
    today = timezone.localdate()
    invoice = Invoice.objects.get()
    assert (invoice.run_date, invoice.invoice_date, invoice.number) == (
        date(2025, 6, 1),
        today,
        f"RE-{today.year}-00001",
    )
    text = " ".join(pdf_text(invoice.pdf.read(), tmp_path).split())
    assert f"{today:%d.%m.%Y}" in text and f"RE-{today.year}-00001" in text


def test_an_earlier_invoice_date_only_within_the_window_and_never_in_the_future(
    draft, admin_user, settings
):
    make_seller_profile()
    settings.INVOICE_DATE_WINDOW_DAYS = 3
    today = timezone.localdate()
    with pytest.raises(IssueRefused, match="liegt mehr als 3 Tage vor heute"):
        invoice_issue(actor=admin_user, invoice=draft, on=today - timedelta(days=4))
    with pytest.raises(IssueRefused, match="liegt in der Zukunft"):
        invoice_issue(actor=admin_user, invoice=draft, on=today + timedelta(days=1))
    issued = invoice_issue(actor=admin_user, invoice=draft, on=today - timedelta(days=3))
    assert issued.invoice_date == today - timedelta(days=3)


def test_no_invoice_or_cancellation_is_dated_in_a_closed_period(draft, admin_user):
    # given books closed until yesterday
    today = timezone.localdate()
    make_seller_profile(books_closed_until=today - timedelta(days=1))
    # when an invoice is dated yesterday, then it is refused; dated today it is issued
    with pytest.raises(IssueRefused, match="die Bücher sind bis"):
        invoice_issue(actor=admin_user, invoice=draft, on=today - timedelta(days=1))
    issued = invoice_issue(actor=admin_user, invoice=draft)
    # and a cancellation dated in the closed period is refused as well, nothing half done
    with pytest.raises(IssueRefused, match="die Bücher sind bis"):
        invoice_cancel(actor=admin_user, invoice=issued, on=today - timedelta(days=1))
    issued.refresh_from_db()
    assert (issued.status, Invoice.objects.filter(kind="credit_note").count()) == ("issued", 0)


def test_closing_the_books_in_the_future_is_refused_on_the_settings_page(admin_client):
    from django.forms.models import model_to_dict

    from .forms import SellerProfileForm

    profile = make_seller_profile()
    data = model_to_dict(profile, fields=SellerProfileForm.Meta.fields)
    data = {key: "" if value is None else value for key, value in data.items()}
    tomorrow = timezone.localdate() + timedelta(days=1)
    data["books_closed_until"] = tomorrow.isoformat()
    response = admin_client.post(reverse("billing:seller"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["books_closed_until"] == [
        "Eine Periode kann höchstens bis heute abgeschlossen werden."
    ]
    assert SellerProfile.current().books_closed_until is None


# --- negative totals ----------------------------------------------------------------------


def test_an_invoice_with_a_negative_total_is_refused(admin_user):
    # given a customer whose only due line is a credit of 50.00 net
    make_seller_profile()
    customer = make_customer()
    OneOffItem.objects.create(
        customer=customer,
        description="Gutschrift Ausfall",
        service_date=date(2003, 1, 20),
        unit_price=Decimal("-50.00"),
    )
    [draft] = run_on(date(2003, 1, 20))
    # when it is issued, then it is refused and stays a draft
    with pytest.raises(IssueRefused) as refused:
        invoice_issue(actor=admin_user, invoice=draft)
    assert str(refused.value) == (
        "Nicht ausgestellt: der Gesamtbetrag ist negativ (-59.50). Eine Rechnung kann nicht "
        "negativ sein; stornieren Sie stattdessen die Rechnung, die sie korrigiert, oder "
        "berechnen Sie die Minderung zusammen mit anderen Leistungen."
    )
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_the_settings_page_names_what_is_missing_and_checks_the_iban(admin_client):
    from django.forms.models import model_to_dict

    from .forms import SellerProfileForm

    # given a fresh install, the settings page says what issuing still needs
    html = admin_client.get(reverse("billing:seller")).content.decode()
    assert (
        "Rechnungen können erst ausgestellt werden, wenn dies ausgefüllt ist: Firma, Straße, "
        "PLZ, Ort, Steuernummer oder USt-IdNr., IBAN (Rechnungen werden per Überweisung "
        "bezahlt)"
    ) in html
    # when an IBAN with a wrong checksum is saved, then it is refused and nothing is stored
    data = model_to_dict(SellerProfile.current(), fields=SellerProfileForm.Meta.fields)
    data = {key: "" if value is None else value for key, value in data.items()}
    data.update(company="Agentur Kahl GmbH", iban="DE02120300000000202052")
    response = admin_client.post(reverse("billing:seller"), data)
    assert list(response.context["form"].errors) == ["iban"]
    assert SellerProfile.current().company == ""
