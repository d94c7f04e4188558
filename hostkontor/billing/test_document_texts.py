"""What the issued document says (issue 10): date of supply, tax notes for services and
goods, both parties' tax ids, consumers, company details, unit price × quantity = net.

Each test issues through the billing run and the issuing service and reads the stored PDF
(pdftotext) or the mail the SMTP server received."""

from datetime import date
from decimal import Decimal

import pytest

from hostkontor.billing import test_rendering
from hostkontor.billing.models import Invoice, InvoiceLine, OneOffItem
from hostkontor.billing.rendering import ClassicRenderer, render_invoice_pdf
from hostkontor.billing.sending import invoice_send
from hostkontor.billing.test_rendering import pdf_text
from hostkontor.customers.models import ContactPerson
from hostkontor.testing import smtp
from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .drafting import unit_price_for
from .invoices import invoice_issue
from .runs import billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db
smtp_server = smtp.smtp_server
media_storage = test_rendering.media_storage

START = date(2003, 1, 20)  # the contracts' start (factories.make_contract)


def issue_on(day: date, actor) -> Invoice:
    make_seller_profile()
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=day))
    return invoice_issue(actor=actor, invoice=draft)


def text_of(invoice: Invoice, tmp_path) -> str:
    return " ".join(pdf_text(invoice.pdf.read(), tmp_path).split())


def add_item(customer, *, kind="service", service_date=START, price="100.00", **fields):
    return OneOffItem.objects.create(
        customer=customer,
        description=fields.pop("description", "Router FRITZ!Box 7590"),
        service_date=service_date,
        quantity=Decimal("1"),
        unit_price=Decimal(price),
        tax_rate=Decimal("19.00"),
        kind=kind,
        **fields,
    )


# 1. Date of supply ----------------------------------------------------------------------------


def test_setup_fee_and_item_carry_their_own_date_and_the_header_period_covers_them(
    admin_user, tmp_path
):
    # given a contract with a setup fee and an item supplied inside the first quarter
    customer = make_customer()
    make_contract(customer, "V-1", setup_fee=Decimal("39.00"))
    add_item(customer, service_date=date(2003, 2, 5), description="Umzug der Mailboxen")
    # when the first quarter is billed (on the item's day) and issued
    invoice = issue_on(date(2003, 2, 5), admin_user)
    text = text_of(invoice, tmp_path)
    # then setup and item state their date of supply, the header names the quarter that
    # covers every line, and the "Rechnungsdatum" fallback sentence is not printed
    assert "Leistungsdatum: 20.01.2003" in text
    assert "Leistungsdatum: 05.02.2003" in text
    assert "Leistungszeitraum: 20.01.2003 – 19.04.2003" in text
    assert "Leistungsdatum ist, soweit nicht anders angegeben" not in text
    info = {row["key"] for row in ClassicRenderer().get_context(invoice)["info"]}
    assert "period" in info


def test_a_line_outside_the_period_removes_the_header_period(admin_user, tmp_path):
    # given an item supplied before the contract's first period
    customer = make_customer()
    make_contract(customer, "V-1")
    add_item(customer, service_date=date(2002, 12, 10))
    # when it is billed with the first quarter
    invoice = issue_on(START, admin_user)
    text = text_of(invoice, tmp_path)
    # then no header period claims to cover it: each line states its own
    info = {row["key"] for row in ClassicRenderer().get_context(invoice)["info"]}
    assert "period" not in info
    assert "Leistungsdatum: 10.12.2002" in text
    assert text.count("20.01.2003 – 19.04.2003") == 2  # the line text and its period only


def test_the_invoice_date_sentence_is_printed_only_for_a_line_without_a_date(tmp_path):
    # given an issued invoice with one line that has no date of its own
    lines = [
        {**line, "period_start": None, "period_end": None} if line["kind"] == "item" else line
        for line in test_rendering.domestic_lines(None)
    ]
    lines = [{**line, "contract": None, "kind": "item"} for line in lines]
    invoice = test_rendering.make_issued_invoice(lines=lines)
    # when it is rendered
    text = " ".join(pdf_text(render_invoice_pdf(invoice), tmp_path).split())
    # then the sentence says the invoice date is that line's date of supply
    assert "Leistungsdatum ist, soweit nicht anders angegeben, das Rechnungsdatum." in text
    assert "period" not in {r["key"] for r in ClassicRenderer().get_context(invoice)["info"]}


# 2. Reverse charge and non-EU wording ---------------------------------------------------------


def test_reverse_charge_cites_13b_and_art_196_with_both_vat_ids(admin_user, tmp_path):
    # given an Austrian business with a VAT id
    customer = make_customer(
        company="Alpen Web GmbH",
        country="AT",
        vat_id="ATU13585627",
        tax_treatment="eu_reverse_charge",
    )
    make_contract(customer, "V-1")
    # when its invoice is issued
    text = text_of(issue_on(START, admin_user), tmp_path)
    # then the note cites both bases and both VAT ids are printed
    assert (
        "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG, Art. 196 MwStSystRL)." in text
    )
    assert "Ihre USt-IdNr. ATU13585627" in text
    assert "Unsere USt-IdNr. DE136695976" in text


def test_swiss_business_gets_3a_note_and_its_uid_is_no_vat_id(admin_user, tmp_path):
    # given a Swiss business with its UID
    customer = make_customer(
        company="Alpen Hosting AG", country="CH", vat_id="CHE116281710", tax_treatment="non_eu"
    )
    make_contract(customer, "V-1")
    # when its invoice is issued
    text = text_of(issue_on(START, admin_user), tmp_path)
    # then services are not taxable here (§ 3a (2)) and the UID is labelled as such
    assert "Nicht im Inland steuerbare Leistung (§ 3a Abs. 2 UStG)." in text
    assert "Ihre UID CHE116281710" in text
    assert "USt-IdNr. CHE" not in text


# 3. Goods ------------------------------------------------------------------------------------


def test_goods_to_an_eu_business_are_an_intra_community_supply_next_to_reverse_charge(
    admin_user, tmp_path
):
    # given an Austrian business with a hosting contract and a router (goods)
    customer = make_customer(country="AT", vat_id="ATU13585627", tax_treatment="eu_reverse_charge")
    make_contract(customer, "V-1")
    add_item(customer, kind="goods")
    # when billed and issued
    invoice = issue_on(START, admin_user)
    text = text_of(invoice, tmp_path)
    # then both notes are there, both lines at 0 %
    assert "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b, § 6a UStG)." in text
    assert "Steuerschuldnerschaft des Leistungsempfängers" in text
    assert invoice.tax_total == Decimal("0.00")


def test_goods_only_to_a_non_eu_business_are_an_export_without_the_services_note(
    admin_user, tmp_path
):
    # given a Swiss business that only buys a router
    customer = make_customer(country="CH", vat_id="CHE116281710", tax_treatment="non_eu")
    add_item(customer, kind="goods")
    # when billed and issued
    text = text_of(issue_on(START, admin_user), tmp_path)
    # then it is an export, and nothing claims a service not taxable here
    assert "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a, § 6 UStG)." in text
    assert "Nicht im Inland steuerbare Leistung" not in text


def test_a_consumer_outside_the_eu_pays_german_vat_on_services_but_not_on_exported_goods(
    admin_user, tmp_path
):
    # given a private person in the USA with a hosting contract and a router
    customer = make_customer(country="US", is_business=False, tax_treatment="non_eu_consumer")
    make_contract(customer, "V-1")  # 3 × 19.00 per quarter
    add_item(customer, kind="goods")
    # when billed and issued
    invoice = issue_on(START, admin_user)
    text = text_of(invoice, tmp_path)
    # then the service line carries 19 %, the goods line 0 % with the export note
    rates = dict(invoice.lines.values_list("kind", "tax_rate"))
    assert rates == {"period": Decimal("19.00"), "item": Decimal("0.00")}
    assert invoice.tax_total == Decimal("10.83")
    assert "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a, § 6 UStG)." in text


def test_a_goods_contract_type_makes_its_lines_tax_free_for_an_eu_business(admin_user):
    # given a contract whose type sells goods (hardware rental billed as a sale, say)
    customer = make_customer(country="AT", vat_id="ATU13585627", tax_treatment="eu_reverse_charge")
    contract = make_contract(customer, "V-1", type_name="Hardware", setup_fee=Decimal("39.00"))
    contract.contract_type.kind = "goods"
    contract.contract_type.save()
    # when billed and issued
    invoice = issue_on(START, admin_user)
    # then the note is the intra-community supply only
    assert invoice.tax_note == (
        "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b, § 6a UStG)."
    )


# 4. Consumers --------------------------------------------------------------------------------


def test_consumer_invoice_greets_the_billing_contact_and_carries_the_286_note(admin_user, tmp_path):
    # given a German consumer whose billing contact is known
    customer = make_customer(company="Petra Berger", is_business=False)
    ContactPerson.objects.create(
        customer=customer, salutation="ms", first_name="Petra", last_name="Berger", is_billing=True
    )
    make_contract(customer, "V-1")
    # when the invoice is issued
    text = text_of(issue_on(START, admin_user), tmp_path)
    # then the greeting names her and the default note of § 286 (3) BGB is printed
    assert "Sehr geehrte Frau Berger," in text
    assert (
        "Sie kommen spätestens 30 Tage nach Zugang dieser Rechnung in Verzug,"
        " ohne dass es einer Mahnung bedarf." in text
    )


def test_business_invoice_has_no_286_note_and_greets_neutrally(admin_user, tmp_path):
    customer = make_customer()
    make_contract(customer, "V-1")
    text = text_of(issue_on(START, admin_user), tmp_path)
    assert "Sehr geehrte Damen und Herren," in text
    assert "in Verzug" not in text


# 5. Company details --------------------------------------------------------------------------


def test_pdf_footer_names_register_seat_and_managing_directors(admin_user, tmp_path):
    customer = make_customer()
    make_contract(customer, "V-1")
    text = text_of(issue_on(START, admin_user), tmp_path)
    assert "Registergericht: Amtsgericht Osnabrück HRB 12345" in text
    assert "Sitz der Gesellschaft: Hilter" in text
    assert "Geschäftsführung: Sönke Kahl" in text


@pytest.mark.services
def test_invoice_mail_comes_from_the_seller_and_signs_with_the_company_details(
    admin_user, settings, smtp_server, media_storage
):
    # given an unconfigured sender (hostkontor@localhost) and a consumer with a contact
    smtp_server.configure(settings)
    settings.DEFAULT_FROM_EMAIL = "hostkontor@localhost"
    customer = make_customer(email="petra@berger.example", is_business=False)
    ContactPerson.objects.create(
        customer=customer, salutation="ms", first_name="Petra", last_name="Berger", is_billing=True
    )
    make_contract(customer, "V-1")
    invoice = issue_on(START, admin_user)
    # when it is sent
    assert invoice_send(actor=admin_user, invoice=invoice).ok
    # then it comes from the seller's address, greets her, and signs with the company details
    [received] = smtp_server.messages
    assert received.mail_from == "rechnung@kahl.example"
    assert received.message["From"] == "Agentur Kahl GmbH <rechnung@kahl.example>"
    body = received.message.get_payload()[0].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith("Sehr geehrte Frau Berger,\n")
    assert body.endswith(
        "Mit freundlichen Grüßen\n"
        "Agentur Kahl GmbH\n"
        "Am Bahnhof 3\n"
        "49176 Hilter\n"
        "rechnung@kahl.example\n"
        "Registergericht: Amtsgericht Osnabrück HRB 12345\n"
        "Sitz der Gesellschaft: Hilter\n"
        "Geschäftsführung: Sönke Kahl\n"
    )


# 6. Unit price × quantity = net --------------------------------------------------------------


def test_unit_price_has_as_many_decimals_as_unit_times_quantity_needs():
    # 4,833 € × 3 = 14,499 € → 14,50 € (4,83 € × 3 would be 14,49 €)
    assert unit_price_for(Decimal("14.50"), Decimal("3")) == Decimal("4.833")
    assert unit_price_for(Decimal("10.00"), Decimal("7")) == Decimal("1.429")
    assert unit_price_for(Decimal("57.00"), Decimal("3")) == Decimal("19.00")
    assert unit_price_for(Decimal("109.00"), Decimal("1.5")) == Decimal("72.667")


def test_a_prorated_line_shows_a_unit_price_that_times_quantity_gives_its_net(tmp_path):
    # given an issued line of 3 months netting 14,50 € stored with the rounded 4,83 €
    line = {
        "kind": InvoiceLine.Kind.ITEM,
        "description": "Webspace anteilig",
        "quantity": Decimal("3"),
        "unit": "Monate",
        "unit_price": Decimal("4.83"),
        "net": Decimal("14.50"),
    }
    invoice = test_rendering.make_issued_invoice(lines=[line])
    # when rendered
    text = " ".join(pdf_text(render_invoice_pdf(invoice), tmp_path).split())
    # then the unit price printed is 4,833 € (× 3 = 14,499 → 14,50 €), not 4,83 €
    assert "3 Monate 4,833 € 19 % 14,50 €" in text
