"""The texts an invoice snapshots at issue that depend on the customer and on its lines.

* the tax note: one sentence per line treatment (services and goods of one invoice can need
  two: reverse charge and intra-community supply), see ``drafting.tax_note``;
* the greeting: the billing contact's name when known ("Sehr geehrte Frau Berger,");
* for consumers the § 286 (3) BGB note: without it a consumer is not in default 30 days
  after receipt of the invoice.

Everything is decided here once and stored on the invoice, so the document never changes
when the customer does.
"""

from __future__ import annotations

from hostkontor.contracts.models import Contract
from hostkontor.customers.models import ContactPerson, Customer

from .drafting import tax_note
from .engine.tax import SupplyKind
from .models import InvoiceLine, OneOffItem

GREETING = {
    "de": {
        "mr": "Sehr geehrter Herr {name},",
        "ms": "Sehr geehrte Frau {name},",
        "": "Guten Tag {name},",
        None: "Sehr geehrte Damen und Herren,",
    },
    "en": {
        "mr": "Dear Mr {name},",
        "ms": "Dear Ms {name},",
        "": "Dear {name},",
        None: "Dear Sir or Madam,",
    },
}
INTRO = {
    "de": "wir berechnen Ihnen folgende Leistungen:",
    "en": "we invoice the following services:",
}
CLOSING = {
    "de": "Vielen Dank für Ihren Auftrag.",
    "en": "Thank you for your business.",
}
CONSUMER_DEFAULT = {
    "de": (
        "Sie kommen spätestens 30 Tage nach Zugang dieser Rechnung in Verzug,"
        " ohne dass es einer Mahnung bedarf."
    ),
    "en": (
        "You will be in default no later than 30 days after receipt of this invoice"
        " without any reminder (§ 286 (3) BGB)."
    ),
}


def _language(language: str) -> str:
    return language if language in GREETING else "de"


def greeting(customer: Customer, language: str) -> str:
    """The salutation line: the first billing contact by name, else the neutral form."""
    words = GREETING[_language(language)]
    contact = (
        ContactPerson.objects.filter(customer=customer, is_billing=True)
        .exclude(last_name="")
        .order_by("pk")
        .first()
    )
    if contact is None:
        return words[None]
    salutation = contact.salutation if contact.salutation in ("mr", "ms") else ""
    name = contact.last_name if salutation else f"{contact.first_name} {contact.last_name}"
    return words[salutation].format(name=name.strip())


def supply_kinds(lines: list[InvoiceLine]) -> frozenset[str]:
    """Service or goods per line: a one-off item's own kind, a contract line's (setup or
    period) from its contract type; usage and anything else is a service."""
    item_ids = {line.one_off_item_id for line in lines if line.kind == "item"}
    contract_ids = {line.contract_id for line in lines if line.kind in ("setup", "period")}
    kinds = set()
    if any(line.kind not in ("item", "setup", "period") for line in lines):
        kinds.add(SupplyKind.SERVICE.value)
    kinds |= set(OneOffItem.objects.filter(pk__in=item_ids).values_list("kind", flat=True))
    kinds |= {
        kind or SupplyKind.SERVICE.value
        for kind in Contract.objects.filter(pk__in=contract_ids).values_list(
            "contract_type__kind", flat=True
        )
    }
    if not kinds:
        kinds.add(SupplyKind.SERVICE.value)
    return frozenset(kinds)


def issued_texts(*, customer: Customer, treatment: str, lines: list[InvoiceLine]) -> dict:
    """``tax_note``, ``intro_text`` and ``closing_text`` for an invoice to ``customer``."""
    language = _language(customer.language)
    closing = CLOSING[language]
    if not customer.is_business:
        closing = f"{CONSUMER_DEFAULT[language]}\n\n{closing}"
    return {
        "tax_note": tax_note(treatment, language, supply_kinds(lines)),
        "intro_text": f"{greeting(customer, language)}\n{INTRO[language]}",
        "closing_text": closing,
    }
