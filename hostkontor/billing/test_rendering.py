"""PDF rendering of issued invoices and credit notes (WeasyPrint, real PDFs, text via pdftotext)."""

import datetime
import hashlib
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pikepdf
import pytest
from django.core.files.storage import default_storage

from hostkontor.billing.models import Invoice, InvoiceLine
from hostkontor.billing.rendering import (
    ClassicRenderer,
    InvoiceRenderer,
    PdfIntegrityError,
    RendererError,
    format_money,
    format_number,
    get_renderer,
    invoice_pdf_bytes,
    invoice_pdf_store,
    register_renderer,
    registered_renderers,
    render_invoice_pdf,
)
from hostkontor.contracts.models import Contract, ContractType
from hostkontor.customers.models import Customer
from hostkontor.testing.services import require_service

SELLER = {
    "company": "Netzwerk Nord GmbH",
    "street": "Hafenstraße 12",
    "zip_code": "20457",
    "city": "Hamburg",
    "country": "DE",
    "vat_id": "DE123456789",
    "tax_number": "27/123/45678",
    "register": "Amtsgericht Hamburg HRB 123456",
    "managing_directors": "Jana Nordmann, Piet Hansen",
    "email": "buchhaltung@netzwerk-nord.example",
    "phone": "+49 40 1234567",
    "website": "www.netzwerk-nord.example",
    "bank_name": "Hamburger Sparkasse",
    "iban": "DE89370400440532013000",
    "bic": "HASPDEHHXXX",
}
REVERSE_CHARGE_NOTE = (
    "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge) gemäß § 13b UStG"
)

D = Decimal
STANDARD_RATE = D("19.00")


def make_customer(number="K-10042", company="Muster Hosting GmbH", **fields):
    return Customer.objects.create(
        number=number,
        company=company,
        street="Lindenallee 7",
        zip_code="50667",
        city="Köln",
        email="rechnung@muster-hosting.example",
        **fields,
    )


def make_contract(customer, reference=None):
    reference = reference or f"V-{customer.number}"
    contract_type, _ = ContractType.objects.get_or_create(name="Domain Server Standard")
    return Contract.objects.create(
        customer=customer,
        reference=reference,
        contract_type=contract_type,
        description="inkl. Domain dmmd.de",
        start=datetime.date(2003, 1, 20),
        setup_fee=D("39.00"),
        fee=D("19.00"),
        interval="quarter",
    )


def domestic_lines(contract):
    """Setup 39.00 + quarter 57.00 + item 109.00 = 205.00 net, 38.95 tax, 243.95 gross."""
    return [
        {
            "kind": InvoiceLine.Kind.SETUP,
            "contract": contract,
            "description": "Domain Server Standard, inkl. Domain dmmd.de – Einrichtung",
            "period_start": datetime.date(2003, 1, 20),
            "period_end": datetime.date(2003, 4, 19),
            "quantity": D("1"),
            "unit_price": D("39.00"),
            "net": D("39.00"),
        },
        {
            "kind": InvoiceLine.Kind.PERIOD,
            "contract": contract,
            "description": "Domain Server Standard, inkl. Domain dmmd.de",
            "period_start": datetime.date(2003, 1, 20),
            "period_end": datetime.date(2003, 4, 19),
            "quantity": D("3"),
            "unit": "Monate",
            "unit_price": D("19.00"),
            "net": D("57.00"),
        },
        {
            "kind": InvoiceLine.Kind.ITEM,
            "description": "Umzug der Mailboxen, 1,5 Std. Technik",
            "period_start": datetime.date(2003, 1, 20),
            "period_end": datetime.date(2003, 4, 19),
            "quantity": D("1.5"),
            "unit": "Std.",
            "unit_price": D("72.6667"),
            "net": D("109.00"),
        },
    ]


def negated_lines():
    """The credit note's lines for an invoice with :func:`domestic_lines` (as one-off items,
    since a contract period can be on one billing line only)."""
    return [
        {**line, "net": -line["net"], "contract": None, "kind": InvoiceLine.Kind.ITEM}
        for line in domestic_lines(None)
    ]


def make_issued_invoice(
    *,
    customer=None,
    number="RE-2026-00001",
    lines=None,
    rate=STANDARD_RATE,
    language="de",
    tax_treatment="domestic",
    customer_vat_id="",
    tax_note="",
    customer_email="rechnung@muster-hosting.example",
    kind=Invoice.Kind.INVOICE,
    cancels=None,
    invoice_date=datetime.date(2026, 11, 27),
    payment_terms_days=14,
):
    """An issued invoice built with the ORM as the issuing service leaves it: a draft with its
    lines, then one update from draft to issued with number, totals and snapshots."""
    customer = customer or make_customer()
    if lines is None:
        lines = domestic_lines(make_contract(customer))
    invoice = Invoice.objects.create(
        customer=customer, run_date=invoice_date, kind=kind, cancels=cancels
    )
    for position, line in enumerate(lines, start=1):
        InvoiceLine.objects.create(invoice=invoice, position=position, tax_rate=rate, **line)
    net = sum((line["net"] for line in lines), D("0.00"))
    tax = (net * rate / 100).quantize(D("0.01"))
    Invoice.objects.filter(pk=invoice.pk).update(
        status=Invoice.Status.ISSUED,
        number=number,
        invoice_date=invoice_date,
        due_date=invoice_date + datetime.timedelta(days=payment_terms_days),
        tax_treatment=tax_treatment,
        net_total=net,
        tax_total=tax,
        gross_total=net + tax,
        tax_breakdown=[{"rate": str(rate), "net": str(net), "tax": str(tax)}],
        customer_number=customer.number,
        customer_name=customer.company,
        address=f"{customer.company}\nz. Hd. Buchhaltung\n{customer.street}\n"
        f"{customer.zip_code} {customer.city}",
        customer_vat_id=customer_vat_id,
        customer_email=customer_email,
        language=language,
        payment_terms_days=payment_terms_days,
        seller=SELLER,
        tax_note=tax_note,
        issued_at=datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC),
    )
    return Invoice.objects.get(pk=invoice.pk)


# ---------------------------------------------------------------------------------------------
# helpers

MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def media_storage(settings, tmp_path):
    """The default storage in a temporary directory (Django resets ``default_storage``)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def pdftotext_bin() -> str:
    path = shutil.which("pdftotext")
    if path is None:
        require_service("pdftotext", "not installed (apt-get install poppler-utils)")
    return path


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text in reading order, non-breaking spaces as plain spaces."""
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext_bin(), "-enc", "UTF-8", str(source), "-"],
        check=True,
        capture_output=True,
    )
    return result.stdout.decode("utf-8").replace("\xa0", " ")


def word_boxes(pdf: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """Every word with its top-left corner in millimetres from the sheet's top-left corner."""
    source = tmp_path / "boxes.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext_bin(), "-bbox", "-f", "1", "-l", "1", str(source), "-"],
        check=True,
        capture_output=True,
    )
    return [
        (word, float(x) / MM, float(y) / MM)
        for x, y, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>',
            result.stdout.decode("utf-8"),
        )
    ]


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


# ---------------------------------------------------------------------------------------------
# rendering


@pytest.mark.django_db
def test_invoice_pdf_carries_number_address_period_totals_and_legal_particulars(tmp_path):
    # given an issued domestic invoice: 39.00 + 57.00 + 109.00 net at 19 %
    invoice = make_issued_invoice()

    # when it is rendered
    pdf = render_invoice_pdf(invoice)

    # then it is a one-page PDF saying everything § 14 UStG asks for
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    text = pdf_text(pdf, tmp_path)
    for expected in [
        "Rechnung RE-2026-00001",
        "Rechnungsnummer",
        "Kundennummer",
        "K-10042",
        "Rechnungsdatum",
        "27.11.2026",
        "Leistungszeitraum",
        "Fälligkeit",
        "11.12.2026",
        # recipient (address window) and the seller's return line above it
        "Muster Hosting GmbH",
        "z. Hd. Buchhaltung",
        "Lindenallee 7",
        "50667 Köln",
        "Netzwerk Nord GmbH · Hafenstraße 12 · 20457 Hamburg",
        # lines with their periods, German number formats
        "20.01.2003 – 19.04.2003",
        "57,00 €",
        "72,6667 €",
        "1,5 Std.",
        "19 %",
        # totals per rate and overall
        "Netto 19 % 205,00 €",
        "USt. 19 % 38,95 €",
        "Summe netto 205,00 €",
        "Summe USt. 38,95 €",
        "Rechnungsbetrag 243,95 €",
        "Zahlbar ohne Abzug bis 11.12.2026.",
        # footer: seller, register, managing directors, tax number, VAT id, bank
        "Amtsgericht Hamburg HRB 123456",
        "Jana Nordmann, Piet Hansen",
        "Steuernummer: 27/123/45678",
        "USt-IdNr.: DE123456789",
        "IBAN DE89 3704 0044 0532 0130 00",
        "BIC HASPDEHHXXX",
    ]:
        assert expected in " ".join(text.split()), expected
    assert text.count("20.01.2003 – 19.04.2003") == 4  # info block + three lines
    assert "Steuerschuldnerschaft" not in text  # no tax note on a domestic invoice
    assert "Ihre USt-IdNr." not in text


@pytest.mark.django_db
def test_address_window_and_info_block_sit_where_din_5008_form_b_puts_them(tmp_path):
    # given an issued invoice
    invoice = make_issued_invoice()

    # when it is rendered
    words = word_boxes(render_invoice_pdf(invoice), tmp_path)

    # then the return line is in the top zone of the window (45 mm + 17.7 mm) and the
    # recipient below it, both 5 mm inside the window that starts 20 mm from the left
    def first(word, left_of=210):
        return next((x, y) for w, x, y in words if w == word and x < left_of)

    return_x, return_y = first("Hafenstraße", left_of=105)  # not the letter head's
    recipient_x, recipient_y = first("Muster")
    assert 45 < return_y < 45 + 17.7
    assert 24.5 < return_x < 70
    assert 45 + 17.7 <= recipient_y < 45 + 45
    assert 24.5 < recipient_x < 26  # 20 mm + 5 mm inset
    info_x, info_y = first("Rechnungsnummer")
    assert 124.5 < info_x < 126 and 49.5 < info_y < 52  # information block at 125 / 50 mm
    subject_x, subject_y = first("Rechnung")
    assert 24.5 < subject_x < 26 and subject_y > 98


@pytest.mark.django_db
def test_reverse_charge_invoice_in_english_shows_customer_vat_id_and_tax_note(tmp_path):
    # given an issued English reverse-charge invoice to an Austrian company
    customer = make_customer(number="K-20001", company="Alpen Web GmbH", country="AT")
    invoice = make_issued_invoice(
        customer=customer,
        number="RE-2026-00002",
        language="en",
        rate=D("0.00"),
        tax_treatment="eu_reverse_charge",
        customer_vat_id="ATU13585627",
        tax_note=REVERSE_CHARGE_NOTE,
        lines=[
            {
                "kind": InvoiceLine.Kind.ITEM,
                "description": "Managed hosting",
                "period_start": datetime.date(2026, 11, 1),
                "period_end": datetime.date(2026, 11, 30),
                "quantity": D("2"),
                "unit": "pcs",
                "unit_price": D("617.25"),
                "net": D("1234.50"),
            }
        ],
    )

    # when it is rendered
    text = " ".join(pdf_text(render_invoice_pdf(invoice), tmp_path).split())

    # then it is in English with English numbers, 0 % and the reverse-charge note
    for expected in [
        "Invoice RE-2026-00002",
        "Invoice number",
        "Your VAT ID ATU13585627",
        "Service period: 2026-11-01 – 2026-11-30",
        "€617.25",
        "Net 0% €1,234.50",
        "VAT 0% €0.00",
        "Amount due €1,234.50",
        "Payable without deduction by 2026-12-11.",
        REVERSE_CHARGE_NOTE,
    ]:
        assert expected in text, expected


@pytest.mark.django_db
def test_credit_note_is_titled_as_cancellation_of_its_invoice(tmp_path):
    # given an invoice and the credit note that cancels it (negated lines)
    original = make_issued_invoice()
    Invoice.objects.filter(pk=original.pk).update(status=Invoice.Status.CANCELLED)
    credit_note = make_issued_invoice(
        customer=original.customer,
        number="ST-2026-00001",
        kind=Invoice.Kind.CREDIT_NOTE,
        cancels=original,
        lines=negated_lines(),
        invoice_date=datetime.date(2026, 12, 2),
    )

    # when it is rendered
    text = " ".join(pdf_text(render_invoice_pdf(credit_note), tmp_path).split())

    # then the title names the original, amounts are negative, no payment request
    assert "Stornorechnung zu Rechnung RE-2026-00001" in text
    assert "Belegnummer ST-2026-00001" in text
    assert "Zu Rechnung RE-2026-00001 vom 27.11.2026" in text
    assert "Stornobetrag -243,95 €" in text
    assert "Gutschrift" not in text
    assert "Zahlbar" not in text


@pytest.mark.django_db
def test_rendering_reads_the_snapshot_not_the_live_customer(tmp_path):
    # given an issued invoice whose customer moved and was renamed afterwards
    invoice = make_issued_invoice()
    first = render_invoice_pdf(invoice)
    Customer.objects.filter(pk=invoice.customer_id).update(
        company="Umbenannt AG", street="Neuer Weg 1", city="Bonn", language="en"
    )

    # when it is rendered again
    again = render_invoice_pdf(Invoice.objects.get(pk=invoice.pk))

    # then the document is byte for byte the same (deterministic, snapshot only)
    assert again == first
    assert "Umbenannt" not in pdf_text(again, tmp_path)


# ---------------------------------------------------------------------------------------------
# storage


@pytest.mark.django_db
def test_stored_pdf_is_served_back_identically(media_storage):
    # given an issued invoice whose PDF was rendered and stored
    invoice = make_issued_invoice()
    pdf = render_invoice_pdf(invoice)
    name = invoice_pdf_store(invoice, pdf)

    # when it is read back from a fresh instance
    stored = Invoice.objects.get(pk=invoice.pk)
    served = invoice_pdf_bytes(stored)

    # then the name, the hash and the bytes match, and a re-render equals the original
    assert name == "invoices/2026/RE-2026-00001.pdf"
    assert stored.pdf.name == name
    assert (media_storage / name).read_bytes() == pdf
    assert stored.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert served == pdf
    assert render_invoice_pdf(stored) == served


@pytest.mark.django_db
def test_tampered_stored_pdf_is_detected(media_storage):
    # given a stored PDF that was changed on disk afterwards
    invoice = make_issued_invoice()
    invoice_pdf_store(invoice, render_invoice_pdf(invoice))
    path = media_storage / "invoices/2026/RE-2026-00001.pdf"
    path.write_bytes(path.read_bytes().replace(b"243,95", b"143,95", 1) + b"%tampered\n")

    # when it is served, then the hash check refuses it
    with pytest.raises(PdfIntegrityError, match="does not match its recorded SHA-256"):
        invoice_pdf_bytes(Invoice.objects.get(pk=invoice.pk))


@pytest.mark.django_db
def test_missing_stored_pdf_is_an_integrity_error(media_storage):
    invoice = make_issued_invoice()
    invoice_pdf_store(invoice, render_invoice_pdf(invoice))
    default_storage.delete("invoices/2026/RE-2026-00001.pdf")

    with pytest.raises(PdfIntegrityError, match="is missing"):
        invoice_pdf_bytes(Invoice.objects.get(pk=invoice.pk))


@pytest.mark.django_db
def test_pdf_is_stored_only_once(media_storage):
    # given an invoice with a stored PDF
    invoice = make_issued_invoice()
    pdf = render_invoice_pdf(invoice)
    invoice_pdf_store(invoice, pdf)

    # when another PDF is stored for it, then that is refused and the first one stays
    with pytest.raises(ValueError, match="already has a stored PDF"):
        invoice_pdf_store(Invoice.objects.get(pk=invoice.pk), pdf + b"%x\n")
    assert invoice_pdf_bytes(Invoice.objects.get(pk=invoice.pk)) == pdf


@pytest.mark.django_db
def test_orphan_file_from_a_rolled_back_issue_is_replaced(media_storage):
    # given a file at the target path that no invoice refers to
    orphan = media_storage / "invoices/2026/RE-2026-00001.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.7 orphan")
    invoice = make_issued_invoice()
    pdf = render_invoice_pdf(invoice)

    # when the PDF is stored, then it takes that name with the new content
    assert invoice_pdf_store(invoice, pdf) == "invoices/2026/RE-2026-00001.pdf"
    assert orphan.read_bytes() == pdf


@pytest.mark.django_db
def test_draft_has_no_pdf_to_store(media_storage):
    customer = make_customer()
    draft = Invoice.objects.create(customer=customer, run_date=datetime.date(2026, 11, 27))

    with pytest.raises(ValueError, match="only an issued invoice"):
        invoice_pdf_store(draft, b"%PDF-1.7")


# ---------------------------------------------------------------------------------------------
# registry, templates, network


class PlainRenderer(InvoiceRenderer):
    key = "plain"

    def render(self, invoice):
        return f"%PDF-plain {invoice.number}".encode()


def test_renderer_registry_defaults_to_classic_and_takes_new_renderers(settings):
    # given a registered extra renderer
    register_renderer("plain", PlainRenderer)
    try:
        # then "classic" is the default, the new one is found by key and by setting
        assert isinstance(get_renderer(), ClassicRenderer)
        assert registered_renderers()["plain"] is PlainRenderer
        invoice = Invoice(number="RE-2026-00009")
        assert render_invoice_pdf(invoice, renderer="plain") == b"%PDF-plain RE-2026-00009"
        settings.HOSTKONTOR_INVOICE_RENDERER = "plain"
        assert render_invoice_pdf(invoice) == b"%PDF-plain RE-2026-00009"
        with pytest.raises(RendererError, match="no invoice renderer 'fancy'"):
            get_renderer("fancy")
        with pytest.raises(TypeError):
            register_renderer("bad", object)
    finally:
        from hostkontor.billing import rendering

        rendering._RENDERERS.pop("plain", None)


@pytest.mark.django_db
def test_agency_restyles_through_a_template_directory(settings, tmp_path):
    # given a template directory with its own classic.css (loaded before the app's)
    override = tmp_path / "templates" / "billing" / "pdf"
    override.mkdir(parents=True)
    (override / "classic.css").write_text(
        '@page { size: A4; margin: 20mm; } .subject::after { content: " – Agentur-Layout"; }'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    invoice = make_issued_invoice()

    # when it is rendered, then the agency's stylesheet was used
    text = " ".join(pdf_text(render_invoice_pdf(invoice), tmp_path).split())
    assert "Rechnung RE-2026-00001 – Agentur-Layout" in text


def test_url_fetcher_loads_local_files_only(tmp_path):
    from hostkontor.billing.rendering import local_files_fetcher

    logo = tmp_path / "logo.svg"
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    fetcher = local_files_fetcher()

    assert fetcher(logo.as_uri()).read().startswith(b"<svg")
    for url in ["http://127.0.0.1:9/font.woff", "https://fonts.example/x.css", "ftp://h/x"]:
        with pytest.raises(ValueError, match="only local files"):
            fetcher(url)


def test_money_formats_follow_the_document_language():
    assert format_money(D("1234.5"), "de") == "1.234,50\xa0€"
    assert format_money(D("1234.5"), "en") == "€1,234.50"
    assert format_money(D("-243.95"), "de") == "-243,95\xa0€"
    assert format_money(D("-243.95"), "en") == "-€243.95"
    assert format_money(D("0.005"), "de") == "0,01\xa0€"  # half up
    assert format_money(D("-0.001"), "de") == "0,00\xa0€"
    # unit prices keep up to four decimals
    assert format_money(D("0.0125"), "de", max_places=4) == "0,0125\xa0€"
    assert format_money(D("19.0000"), "de", max_places=4) == "19,00\xa0€"
    assert format_money(D("2.345"), "en", max_places=4) == "€2.345"
    assert format_number(D("2.345"), "de") == "2,35"  # half up, not half even


@pytest.mark.django_db
def test_pdf_metadata_comes_from_the_invoice():
    # given an issued invoice, when it is rendered
    pdf = render_invoice_pdf(make_issued_invoice())

    # then title, author and dates are the invoice's, not the time of rendering
    with pikepdf.open(io.BytesIO(pdf)) as document:
        info = document.docinfo
        assert str(info["/Title"]) == "Rechnung RE-2026-00001"
        assert str(info["/Author"]) == "Netzwerk Nord GmbH"
        assert str(info["/CreationDate"]).startswith("D:20261127000000")
        assert str(info["/ModDate"]).startswith("D:20261127000000")
