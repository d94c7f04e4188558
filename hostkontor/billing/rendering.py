"""Invoice PDFs: a renderer registry, the classic DIN 5008 renderer, storing and serving PDFs.

A renderer turns an *issued* invoice (or credit note) into PDF bytes. It reads only what the
document itself holds -- the snapshot fields of :class:`~hostkontor.billing.models.Invoice`
(``address``, ``seller``, ``tax_breakdown``, texts, dates …) and its lines -- never the live
customer or seller profile, so rendering an invoice again gives the same document years
later. The one exception is a credit note, which names the invoice it cancels (number and
date of that other, equally immutable document).

Restyling (agencies)
    The classic renderer is plain HTML plus one CSS file, both Django templates:

    * ``billing/pdf/classic.html`` -- the document
    * ``billing/pdf/classic.css`` -- the whole layout (included into the HTML's ``<style>``)

    To restyle, put a file with the same name into a directory listed first in
    ``TEMPLATES[0]["DIRS"]`` (e.g. ``hostkontor/templates/billing/pdf/classic.css``); Django's
    template loaders pick it over the app's own. Both templates get the context built by
    :meth:`ClassicRenderer.get_context` (``invoice``, ``seller``, ``labels``, ``lines``,
    ``totals`` … with every number and date already formatted for the invoice language).
    Fonts come from the system (DejaVu Sans, Debian ``fonts-dejavu-core``); nothing is
    fetched from the network: only ``file:`` URLs are loaded (a logo, say, as
    ``<img src="file:///srv/hostkontor/logo.png">``).

    A whole new layout is a renderer class: subclass :class:`InvoiceRenderer`, register it
    with ``register_renderer("mine", MyRenderer)`` (e.g. in an ``AppConfig.ready``) and set
    ``HOSTKONTOR_INVOICE_RENDERER = "mine"``.

Storing
    :func:`invoice_pdf_store` saves the PDF once per issued invoice as
    ``invoices/<year>/<number>.pdf`` on the default storage and records its SHA-256
    (the database refuses a second PDF for an issued invoice). :func:`invoice_pdf_bytes`
    serves the stored file after checking that hash, or renders when none is stored yet.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Invoice
from .pdf_context import (
    BOTH_VAT_IDS,
    company_lines,
    customer_tax_id_label,
    header_period,
    line_period_label,
    shown_unit_price,
)
from .pdf_context import texts as legal_texts
from .retention import stored_document_delete

DEFAULT_RENDERER = "classic"
LANGUAGES = ("de", "en")


class PdfIntegrityError(Exception):
    """The stored PDF of an invoice is missing or differs from the hash recorded at issue."""


class RendererError(LookupError):
    """No renderer is registered under the requested key."""


# ---------------------------------------------------------------------------------------------
# Formatting (explicit per document language, independent of the active UI language)


def document_language(invoice: Invoice) -> str:
    """``de`` or ``en``: the invoice language, German for anything unknown."""
    language = (invoice.language or "").lower()[:2]
    return language if language in LANGUAGES else "de"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def format_number(value, language: str, places: int = 2) -> str:
    """1.234,50 (de) / 1,234.50 (en), rounded half up to ``places``."""
    amount = _decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # no "-0,00"
    text = f"{amount:,.{places}f}"
    if language == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_money(value, language: str, currency: str = "EUR", *, max_places: int = 2) -> str:
    """1.234,50 € (de) / €1,234.50 (en); with ``max_places=4`` (unit prices) up to four
    decimals where the value has them (0,0125 €)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    exponent = amount.normalize().as_tuple().exponent
    places = max(2, min(max_places, -exponent)) if isinstance(exponent, int) else 2
    text = format_number(amount, language, places)
    symbol = "€" if currency == "EUR" else currency
    if language == "de":
        return f"{text}\xa0{symbol}"
    if text.startswith("-"):
        return f"-{symbol}{text[1:]}"
    return f"{symbol}{text}"


def format_quantity(value, language: str) -> str:
    """A quantity without trailing zeros: 1, 2,5, 1.000 (de)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    places = max(0, -amount.normalize().as_tuple().exponent)
    return format_number(amount, language, min(places, 3))


def format_percent(value, language: str) -> str:
    """19 %, 5,5 % (de) / 19%, 5.5% (en)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    text = format_quantity(amount, language)
    return f"{text}\xa0%" if language == "de" else f"{text}%"


def format_date(value: datetime.date | None, language: str) -> str:
    """27.11.2026 (de) / 2026-11-27 (en: ISO, as the English UI shows dates)."""
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()


def format_period(start: datetime.date | None, end: datetime.date | None, language: str) -> str:
    """20.01.2003 – 19.04.2003: an en dash between spaces, as DIN 5008 writes a range."""
    if start is None:
        return ""
    if end is None or end == start:
        return format_date(start, language)
    return f"{format_date(start, language)} – {format_date(end, language)}"


def format_iban(iban: str) -> str:
    compact = "".join((iban or "").split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# ---------------------------------------------------------------------------------------------
# Texts of the document (kept here, not in the .po file, so a document's language never
# depends on the UI language or on a translation catalogue that changes later)

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "invoice": "Rechnung",
        "credit_note": "Stornorechnung zu Rechnung {number}",
        "draft": "Entwurf",
        "number": "Rechnungsnummer",
        "credit_note_number": "Belegnummer",
        "credit_note_short": "Stornorechnung",
        "original": "Zu Rechnung",
        "original_value": "{number} vom {date}",
        "customer_number": "Kundennummer",
        "invoice_date": "Rechnungsdatum",
        "credit_note_date": "Datum",
        "period": "Leistungszeitraum",
        "due_date": "Fälligkeit",
        "customer_vat_id": "Ihre USt-IdNr.",
        "pos": "Pos.",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "tax_rate": "USt.",
        "net": "Netto",
        "net_at": "Netto {rate}",
        "tax_at": "USt. {rate}",
        "net_total": "Summe netto",
        "tax_total": "Summe USt.",
        "gross_total": "Rechnungsbetrag",
        "credit_total": "Stornobetrag",
        "service_period": "Leistungszeitraum",
        "service_date_note": "Leistungsdatum ist, soweit nicht anders angegeben, das Rechnungsdatum.",
        "intro": "Sehr geehrte Damen und Herren,\nfür unsere Leistungen berechnen wir Ihnen:",
        "intro_credit_note": (
            "Sehr geehrte Damen und Herren,\nhiermit stornieren wir die Rechnung {number} vom {date}:"
        ),
        "payment_due": "Zahlbar ohne Abzug bis {date}.",
        "payment_now": "Zahlbar sofort ohne Abzug.",
        "payment_transfer": (
            "Bitte überweisen Sie den Betrag unter Angabe der Rechnungsnummer auf das unten genannte Konto."
        ),
        "credit_note_payment": (
            "Der Betrag wird mit offenen Forderungen verrechnet oder Ihnen erstattet."
        ),
        "closing": "Vielen Dank für Ihren Auftrag.",
        "page": "Seite",
        "of": "von",
        "phone": "Tel.",
        "email": "E-Mail",
        "web": "Web",
        "managing_directors": "Geschäftsführung",
        "tax_number": "Steuernummer",
        "vat_id": "USt-IdNr.",
        "bank": "Bank",
        "iban": "IBAN",
        "bic": "BIC",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Cancellation invoice for invoice {number}",
        "draft": "Draft",
        "number": "Invoice number",
        "credit_note_number": "Document number",
        "credit_note_short": "Cancellation invoice",
        "original": "For invoice",
        "original_value": "{number} of {date}",
        "customer_number": "Customer number",
        "invoice_date": "Invoice date",
        "credit_note_date": "Date",
        "period": "Service period",
        "due_date": "Due date",
        "customer_vat_id": "Your VAT ID",
        "pos": "Item",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "tax_rate": "VAT",
        "net": "Net",
        "net_at": "Net {rate}",
        "tax_at": "VAT {rate}",
        "net_total": "Total net",
        "tax_total": "Total VAT",
        "gross_total": "Amount due",
        "credit_total": "Cancelled amount",
        "service_period": "Service period",
        "service_date_note": "Unless stated otherwise, the date of service is the invoice date.",
        "intro": "Dear Sir or Madam,\nfor our services we invoice you as follows:",
        "intro_credit_note": "Dear Sir or Madam,\nwe hereby cancel invoice {number} of {date}:",
        "payment_due": "Payable without deduction by {date}.",
        "payment_now": "Payable immediately without deduction.",
        "payment_transfer": (
            "Please transfer the amount to the account below, quoting the invoice number."
        ),
        "credit_note_payment": "The amount will be offset against open items or refunded to you.",
        "closing": "Thank you for your business.",
        "page": "Page",
        "of": "of",
        "phone": "Phone",
        "email": "E-mail",
        "web": "Web",
        "managing_directors": "Managing directors",
        "tax_number": "Tax number",
        "vat_id": "VAT ID",
        "bank": "Bank",
        "iban": "IBAN",
        "bic": "BIC",
    },
}


# ---------------------------------------------------------------------------------------------
# Renderers


@dataclass(frozen=True)
class RenderedLine:
    position: int
    description: str
    period: str
    quantity: str
    unit: str
    unit_price: str
    tax_rate: str
    net: str
    period_label: str = ""  # "Leistungsdatum" (one day) or "Leistungszeitraum"


def local_files_fetcher():
    """A WeasyPrint URL fetcher that loads ``file:`` URLs and refuses everything else
    (no web fonts, no tracking pixels, no requests to internal hosts from a crafted text)."""
    from weasyprint.urls import URLFetcher  # WeasyPrint loads Pango: import only to render

    class LocalFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.lower().startswith("file:"):
                raise ValueError(f"refusing to fetch {url[:80]!r}: only local files")
            return super().fetch(url, headers)

    return LocalFilesOnly(allowed_protocols=("file",), allow_redirects=False, timeout=5)


class InvoiceRenderer:
    """Base class: subclasses set ``template_name``/``stylesheet_name`` or override
    :meth:`render_html` or :meth:`render` altogether."""

    key = ""
    verbose_name = ""
    template_name = ""
    stylesheet_name = ""

    def render(self, invoice: Invoice) -> bytes:
        from weasyprint import HTML

        html = self.render_html(invoice)
        document = HTML(
            string=html,
            base_url=settings.BASE_DIR.as_uri() + "/",
            url_fetcher=local_files_fetcher(),
            media_type="print",
        )
        # The /ID is a hash of the content: the same invoice gives the same bytes.
        return document.write_pdf(pdf_identifier=True)

    def render_html(self, invoice: Invoice) -> str:
        context = self.get_context(invoice)
        if settings.DEMO:  # the demo database's documents say so on every page and in the title
            context["is_demo"] = True
            context["document_title"] = f"DEMO {context.get('document_title', '')}".strip()
        # Django's own filters (linebreaksbr …) must not follow the UI language either.
        with translation.override(context["language"]):
            context["stylesheet"] = render_to_string(self.stylesheet_name, context)
            return render_to_string(self.template_name, context)

    def get_context(self, invoice: Invoice) -> dict:
        raise NotImplementedError


class ClassicRenderer(InvoiceRenderer):
    """A German business letter after DIN 5008 form B with the § 14 UStG particulars."""

    key = "classic"
    verbose_name = "Classic (DIN 5008)"
    template_name = "billing/pdf/classic.html"
    stylesheet_name = "billing/pdf/classic.css"

    def get_context(self, invoice: Invoice) -> dict:
        language = document_language(invoice)
        labels = LABELS[language]
        currency = invoice.currency or "EUR"
        seller = {key: (value or "") for key, value in (invoice.seller or {}).items()}
        lines = list(invoice.lines.all().order_by("position", "pk"))
        is_credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
        original = invoice.cancels if is_credit_note else None
        original_number = (original.number if original else "") or ""
        original_date = format_date(original.invoice_date, language) if original else ""

        def money(value):
            return format_money(value, language, currency)

        rendered_lines = [
            RenderedLine(
                position=line.position,
                description=line.description,
                period=format_period(line.period_start, line.period_end, language),
                quantity=format_quantity(line.quantity, language),
                unit=line.unit,
                unit_price=format_money(shown_unit_price(line), language, currency, max_places=4),
                tax_rate=format_percent(line.tax_rate, language),
                net=money(line.net),
                period_label=line_period_label(line, language),
            )
            for line in lines
        ]
        # The header names a period only when it covers every line (pdf_context.py).
        shared = header_period(lines)
        shared_period = format_period(*shared, language) if shared else ""
        undated_lines = any(not line.period_start for line in lines)

        breakdown = []
        for row in invoice.tax_breakdown or []:
            rate = format_percent(row.get("rate"), language)
            breakdown.append(
                {
                    "rate": rate,
                    "net_label": labels["net_at"].format(rate=rate),
                    "tax_label": labels["tax_at"].format(rate=rate),
                    "net": money(row.get("net")),
                    "tax": money(row.get("tax")),
                }
            )

        due_date = invoice.due_date
        if due_date is None and invoice.invoice_date is not None:
            due_date = invoice.invoice_date + datetime.timedelta(days=invoice.payment_terms_days)
        if is_credit_note:
            payment_text = labels["credit_note_payment"]
        elif invoice.payment_terms_days == 0 and due_date == invoice.invoice_date:
            payment_text = labels["payment_now"]
        else:
            payment_text = labels["payment_due"].format(date=format_date(due_date, language))

        if is_credit_note:
            title = labels["credit_note"].format(number=original_number)
            default_intro = labels["intro_credit_note"].format(
                number=original_number, date=original_date
            )
        else:
            title = labels["invoice"]
            default_intro = labels["intro"]

        address_lines = [line.strip() for line in (invoice.address or "").splitlines()]
        address_lines = [line for line in address_lines if line]
        if invoice.customer_name and (
            not address_lines or address_lines[0] != invoice.customer_name
        ):
            address_lines.insert(0, invoice.customer_name)

        seller_city = " ".join(filter(None, [seller.get("zip_code"), seller.get("city")]))
        return_line = " · ".join(
            filter(None, [seller.get("company"), seller.get("street"), seller_city])
        )
        number_text = invoice.number or labels["draft"]
        info = [("number", number_text)]
        if is_credit_note and original_number:
            info.append(
                (
                    "original",
                    labels["original_value"].format(number=original_number, date=original_date),
                )
            )
        info += [
            ("customer_number", invoice.customer_number),
            ("invoice_date", format_date(invoice.invoice_date, language)),
            ("period", shared_period),
            ("due_date", "" if is_credit_note else format_date(due_date, language)),
            ("customer_vat_id", invoice.customer_vat_id),
        ]
        if invoice.tax_treatment in BOTH_VAT_IDS and seller.get("vat_id"):
            info.append(("seller_vat_id", seller["vat_id"]))
        labels = {
            **labels,
            "customer_vat_id": customer_tax_id_label(invoice.customer_vat_id, language),
            "seller_vat_id": legal_texts(language)["seller_vat_id"],
        }
        label_keys = {"number": "credit_note_number", "invoice_date": "credit_note_date"}
        info = [
            {
                "key": key,
                "label": labels[label_keys.get(key, key) if is_credit_note else key],
                "value": value,
            }
            for key, value in info
            if value
        ]

        document_date = invoice.invoice_date or invoice.run_date
        return {
            "invoice": invoice,
            "language": language,
            "labels": labels,
            "title": title,
            "document_title": " ".join(
                [labels["credit_note_short" if is_credit_note else "invoice"], number_text]
            ),
            "is_draft": invoice.status == Invoice.Status.DRAFT or not invoice.number,
            "is_credit_note": is_credit_note,
            "seller": seller,
            "seller_city": seller_city,
            "seller_iban": format_iban(seller.get("iban", "")),
            "company_lines": company_lines(seller, language),
            "return_line": return_line,
            "address_lines": address_lines,
            "info": info,
            "intro_text": invoice.intro_text or default_intro,
            "closing_text": invoice.closing_text or ("" if is_credit_note else labels["closing"]),
            "lines": rendered_lines,
            "service_date_note": labels["service_date_note"] if undated_lines else "",
            "breakdown": breakdown,
            "net_total": money(invoice.net_total),
            "tax_total": money(invoice.tax_total),
            "gross_total": money(invoice.gross_total),
            "gross_label": labels["credit_total" if is_credit_note else "gross_total"],
            "payment_text": payment_text,
            "show_bank_note": not is_credit_note and bool(seller.get("iban")),
            "tax_note": invoice.tax_note,
            # PDF metadata (dcterms.created/modified) from the document date: same bytes
            # whenever the invoice is rendered.
            "pdf_date": f"{document_date.isoformat()}T00:00:00Z" if document_date else "",
        }


_RENDERERS: dict[str, type[InvoiceRenderer]] = {}


def register_renderer(key: str, cls: type[InvoiceRenderer]) -> type[InvoiceRenderer]:
    """Make ``cls`` available as ``key`` (a later registration replaces an earlier one)."""
    if not (isinstance(cls, type) and issubclass(cls, InvoiceRenderer)):
        raise TypeError(f"{cls!r} is not an InvoiceRenderer subclass")
    _RENDERERS[key] = cls
    return cls


def registered_renderers() -> dict[str, type[InvoiceRenderer]]:
    return dict(_RENDERERS)


def get_renderer(key: str | None = None) -> InvoiceRenderer:
    """The renderer ``key``, else ``settings.HOSTKONTOR_INVOICE_RENDERER``, else "classic"."""
    key = key or getattr(settings, "HOSTKONTOR_INVOICE_RENDERER", "") or DEFAULT_RENDERER
    try:
        return _RENDERERS[key]()
    except KeyError:
        raise RendererError(
            f"no invoice renderer {key!r} (registered: {', '.join(sorted(_RENDERERS))})"
        ) from None


register_renderer(ClassicRenderer.key, ClassicRenderer)


def render_invoice_pdf(invoice: Invoice, *, renderer: str | None = None) -> bytes:
    """The invoice as PDF bytes, from its snapshot fields and lines only."""
    return get_renderer(renderer).render(invoice)


# ---------------------------------------------------------------------------------------------
# Storage


def invoice_pdf_filename(invoice: Invoice) -> str:
    """``RE-2026-00001.pdf`` -- the name of the stored file and of the mail attachment."""
    if not invoice.number:
        raise ValueError("a draft has no number and no PDF file name")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in invoice.number)
    return f"{safe}.pdf"


def invoice_pdf_path(invoice: Invoice) -> str:
    year = (invoice.invoice_date or invoice.run_date).year
    return f"invoices/{year}/{invoice_pdf_filename(invoice)}"


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def invoice_pdf_store(invoice: Invoice, pdf_bytes: bytes) -> str:
    """Store ``pdf_bytes`` as the invoice's PDF (once: the database refuses a second one for
    an issued invoice) and record its SHA-256. Returns the storage name.

    Runs in its own atomic block with the invoice row locked; an existing file at the target
    path that no committed invoice refers to (left by a rolled-back issue) is replaced.
    """
    if invoice.status == Invoice.Status.DRAFT or not invoice.number:
        raise ValueError("only an issued invoice has a PDF to store")
    if not pdf_bytes.startswith(b"%PDF"):
        raise ValueError("not a PDF")
    name = invoice_pdf_path(invoice)
    digest = pdf_sha256(pdf_bytes)
    with transaction.atomic():
        current = Invoice.objects.select_for_update().only("pk", "pdf").get(pk=invoice.pk)
        if current.pdf:
            raise ValueError(f"invoice {invoice.number} already has a stored PDF")
        if (
            default_storage.exists(name)
            and not Invoice.objects.filter(pdf=name).exclude(pk=invoice.pk).exists()
        ):
            stored_document_delete(name)  # an orphan; else the storage picks another name
        stored_name = default_storage.save(name, ContentFile(pdf_bytes))
        updated = Invoice.objects.filter(pk=invoice.pk, pdf="").update(
            pdf=stored_name, pdf_sha256=digest
        )
        if updated != 1:  # pragma: no cover - the row lock above prevents this
            stored_document_delete(stored_name)
            raise ValueError(f"invoice {invoice.number} already has a stored PDF")
    invoice.pdf.name = stored_name
    invoice.pdf_sha256 = digest
    return stored_name


def invoice_pdf_read_stored(invoice: Invoice) -> bytes:
    """The stored PDF, after checking it against the recorded SHA-256."""
    if not invoice.pdf:
        raise PdfIntegrityError(f"invoice {invoice.number} has no stored PDF")
    try:
        with default_storage.open(invoice.pdf.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise PdfIntegrityError(
            f"the stored PDF of invoice {invoice.number} is missing ({invoice.pdf.name})"
        ) from None
    if not invoice.pdf_sha256 or pdf_sha256(data) != invoice.pdf_sha256:
        raise PdfIntegrityError(
            f"the stored PDF of invoice {invoice.number} does not match its recorded SHA-256"
        )
    return data


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The stored PDF (verified, :class:`PdfIntegrityError` on a mismatch), or a fresh
    rendering when none is stored (drafts, or an issue that has not stored it yet)."""
    if invoice.pdf:
        return invoice_pdf_read_stored(invoice)
    return render_invoice_pdf(invoice)


__all__ = [
    "DEFAULT_RENDERER",
    "ClassicRenderer",
    "InvoiceRenderer",
    "PdfIntegrityError",
    "RendererError",
    "format_date",
    "format_money",
    "format_period",
    "get_renderer",
    "invoice_pdf_bytes",
    "invoice_pdf_filename",
    "invoice_pdf_path",
    "invoice_pdf_read_stored",
    "invoice_pdf_store",
    "pdf_sha256",
    "register_renderer",
    "registered_renderers",
    "render_invoice_pdf",
]
