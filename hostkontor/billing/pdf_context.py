"""Parts of an invoice's rendering context that carry legal meaning (§ 14 UStG, § 35a GmbHG).

Kept apart from the layout code in ``rendering.py``: when the header shows a service period,
how each line states its date of supply, how the parties' tax ids are labelled, and which
company details the footer (and every business mail's signature, ``mail_signature.py``)
must name. Like the renderer, these read only the invoice's snapshot.
"""

from __future__ import annotations

from decimal import Decimal

from .drafting import unit_price_for
from .engine.tax import EU_COUNTRIES, TaxTreatment

# Labels in the document language (see rendering.LABELS for why not gettext).
TEXTS = {
    "de": {
        "service_period": "Leistungszeitraum",
        "service_date": "Leistungsdatum",
        "customer_vat_id": "Ihre USt-IdNr.",
        "customer_uid": "Ihre UID",
        "customer_tax_id": "Steuer-ID des Leistungsempfängers",
        "seller_vat_id": "Unsere USt-IdNr.",
        "register": "Registergericht",
        "seat": "Sitz der Gesellschaft",
        "managing_directors": "Geschäftsführung",
    },
    "en": {
        "service_period": "Service period",
        "service_date": "Date of service",
        "customer_vat_id": "Your VAT ID",
        "customer_uid": "Your UID",
        "customer_tax_id": "Recipient's tax ID",
        "seller_vat_id": "Our VAT ID",
        "register": "Register court",
        "seat": "Registered office",
        "managing_directors": "Managing directors",
    },
}

# Where the seller's VAT id must be printed next to the customer's (§ 14a UStG).
BOTH_VAT_IDS = (TaxTreatment.EU_REVERSE_CHARGE,)


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["de"])


def line_period_label(line, language: str) -> str:
    """ "Leistungsdatum" for a single day (setup, one-off item), else "Leistungszeitraum"."""
    words = texts(language)
    if line.period_end is None or line.period_end == line.period_start:
        return words["service_date"]
    return words["service_period"]


def header_period(lines) -> tuple | None:
    """The (start, end) the header may name: only when every line has a date of supply
    and all of them lie inside the one period the periodic lines share; else None and
    each line states its own."""
    if not lines or any(line.period_start is None for line in lines):
        return None
    spans = {
        (line.period_start, line.period_end or line.period_start)
        for line in lines
        if line.period_end is not None and line.period_end != line.period_start
    }
    if len(spans) != 1:
        return None
    start, end = spans.pop()
    for line in lines:
        if not (start <= line.period_start and (line.period_end or line.period_start) <= end):
            return None
    return start, end


def shown_unit_price(line) -> Decimal | None:
    """The stored unit price, unless times the quantity it does not give the line's net
    (older drafts stored 4,83 € for 14,50 € / 3): then the price that does."""
    unit, quantity = line.unit_price, line.quantity
    if unit is None or not quantity:
        return unit
    if (unit * quantity).quantize(Decimal("0.01")) == line.net:
        return unit
    return unit_price_for(line.net, quantity)


def customer_tax_id_label(vat_id: str, language: str) -> str:
    """ "USt-IdNr." only for EU VAT ids; the Swiss UID (CHE-…) is a "UID", any other
    country's number the recipient's tax id."""
    words = texts(language)
    compact = "".join(ch for ch in (vat_id or "").upper() if ch.isalnum())
    if compact.startswith("CHE"):
        return words["customer_uid"]
    if compact[:2] in EU_COUNTRIES:
        return words["customer_vat_id"]
    return words["customer_tax_id"]


def company_lines(seller: dict, language: str) -> list[str]:
    """Register court and number, registered office and managing directors
    (§ 35a GmbHG, § 37a HGB), each as one printable line; empty parts are left out."""
    words = texts(language)
    court = seller.get("register_court", "")
    number = seller.get("register_number", "")
    register = " ".join(part for part in (court, number) if part) or seller.get("register", "")
    lines = []
    if register:
        lines.append(f"{words['register']}: {register}" if court else register)
    if seller.get("city"):
        lines.append(f"{words['seat']}: {seller['city']}")
    if seller.get("managing_directors"):
        lines.append(f"{words['managing_directors']}: {seller['managing_directors']}")
    return lines
