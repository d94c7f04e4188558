"""From a customer's loaded billing state to one draft invoice: pure Python, no ORM.

The billing run loads :class:`CustomerBundle` objects at the edge (``loading.py``), this
module asks the engine what is due and words the lines in the customer's language, and the
run writes the result. Keeping this step free of the database makes it testable in
isolation and fast in bulk.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .engine import ContractTerms, due_lines, format_date, invoice_totals, round_cents
from .engine.tax import SupplyKind, TaxTreatment, applied_rate, line_treatment

TEXTS = {
    "de": {
        "setup": "Einrichtungsgebühr",
        "period": "Zeitraum",
        TaxTreatment.EU_REVERSE_CHARGE: (
            "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG, Art. 196 MwStSystRL)."
        ),
        TaxTreatment.NON_EU: "Nicht im Inland steuerbare Leistung (§ 3a Abs. 2 UStG).",
        TaxTreatment.INTRA_EU_SUPPLY: (
            "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b, § 6a UStG)."
        ),
        TaxTreatment.EXPORT: "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a, § 6 UStG).",
    },
    "en": {
        "setup": "Setup fee",
        "period": "Period",
        TaxTreatment.EU_REVERSE_CHARGE: (
            "Reverse charge: VAT to be accounted for by the recipient"
            " (Art. 196 VAT Directive, § 13b UStG)."
        ),
        TaxTreatment.NON_EU: "Not taxable in Germany (§ 3a (2) UStG).",
        TaxTreatment.INTRA_EU_SUPPLY: (
            "VAT-exempt intra-Community supply (Art. 138 VAT Directive, § 4 No. 1b, § 6a UStG)."
        ),
        TaxTreatment.EXPORT: "VAT-exempt export delivery (§ 4 No. 1a, § 6 UStG).",
    },
}


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["de"])


def tax_note(
    treatment: str, language: str, kinds: frozenset[str] = frozenset({SupplyKind.SERVICE})
) -> str:
    """Why lines carry no German VAT: one sentence per line treatment on the invoice
    (services and goods to the same customer may need two)."""
    words = texts(language)
    notes = []
    for kind in (SupplyKind.SERVICE, SupplyKind.GOODS):
        if kind in kinds:
            note = words.get(line_treatment(treatment, kind), "")
            if note and note not in notes:
                notes.append(note)
    return "\n".join(notes)


def unit_price_for(net: Decimal, quantity: Decimal) -> Decimal | None:
    """The price per unit that, times ``quantity`` and rounded to cents, gives ``net``.

    Two decimals where they suffice, up to four otherwise (14,50 € for 3 months is
    4,8333 € per month, not 4,83 €); the four-decimal quotient if even that does not fit.
    """
    if not quantity:
        return None
    exact = net / quantity
    for places in (2, 3, 4):
        unit = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if round_cents(unit * quantity) == net:
            return unit
    return unit


@dataclass(frozen=True)
class ContractBundle:
    id: int
    reference: str
    type_name: str
    description: str
    terms: ContractTerms
    kind: str = SupplyKind.SERVICE  # the contract type's: service or goods


@dataclass(frozen=True)
class ItemBundle:
    id: int
    description: str
    service_date: date
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    contract_reference: str | None = None
    kind: str = SupplyKind.SERVICE


@dataclass(frozen=True)
class CustomerBundle:
    customer_id: int
    number: str
    language: str
    tax_treatment: str
    contracts: tuple[ContractBundle, ...] = ()
    items: tuple[ItemBundle, ...] = ()


@dataclass(frozen=True)
class LineDraft:
    kind: str  # setup | period | item | usage
    description: str
    quantity: Decimal
    net: Decimal
    tax_rate: Decimal
    unit_price: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    contract_id: int | None = None
    contract_reference: str | None = None
    item_id: int | None = None
    usage_component_id: int | None = None  # usage lines (hostkontor.usage.billing)


@dataclass
class InvoiceDraft:
    customer_id: int
    customer_number: str
    language: str
    tax_treatment: str
    lines: list[LineDraft] = field(default_factory=list)

    @property
    def totals(self):
        return invoice_totals(self.lines)


def _contract_text(contract: ContractBundle) -> str:
    return " ".join(part for part in (contract.type_name, contract.description) if part)


def contract_lines(
    contract: ContractBundle, run_date: date, *, treatment: str, language: str
) -> list[LineDraft]:
    words = texts(language)
    lines = []
    treatment = line_treatment(treatment, contract.kind)
    for line in due_lines(contract.terms, run_date, treatment=treatment):
        period_start, period_end = line.period_start, line.period_end
        if line.kind == "setup":
            description = f"{words['setup']}: {_contract_text(contract)}"
            unit_price = line.net
            # The setup is supplied when the contract starts: its date of supply (§ 14 (4) 6).
            period_start = period_end = contract.terms.start
        else:
            description = (
                f"{_contract_text(contract)}\n"
                f"{words['period']} {format_date(line.period_start)} – {format_date(line.period_end)}"
            )
            unit_price = unit_price_for(line.net, line.quantity)
        lines.append(
            LineDraft(
                kind=line.kind,
                description=description,
                quantity=line.quantity,
                net=line.net,
                tax_rate=line.tax_rate,
                unit_price=unit_price,
                period_start=period_start,
                period_end=period_end,
                contract_id=contract.id,
                contract_reference=contract.reference,
            )
        )
    return lines


def item_line(item: ItemBundle, *, treatment: str) -> LineDraft:
    return LineDraft(
        kind="item",
        description=item.description,
        quantity=item.quantity,
        net=round_cents(item.quantity * item.unit_price),
        tax_rate=applied_rate(line_treatment(treatment, item.kind), item.tax_rate),
        unit_price=item.unit_price,
        period_start=item.service_date,  # the item's own date of supply
        period_end=item.service_date,
        item_id=item.id,
        contract_reference=item.contract_reference,
    )


def draft_invoice(
    bundle: CustomerBundle, run_date: date, extra_lines: list[LineDraft] = ()
) -> InvoiceDraft | None:
    """Every line due for the customer on ``run_date``, or None when nothing is due.

    Lines are ordered by contract reference, then period start, a setup line first;
    one-off items (due from their service date) follow; ``extra_lines`` (usage) last.
    """
    lines: list[LineDraft] = []
    for contract in sorted(bundle.contracts, key=lambda c: c.reference):
        lines.extend(
            contract_lines(
                contract, run_date, treatment=bundle.tax_treatment, language=bundle.language
            )
        )
    for item in sorted(bundle.items, key=lambda i: (i.service_date, i.id)):
        if item.service_date <= run_date:
            lines.append(item_line(item, treatment=bundle.tax_treatment))
    lines.extend(extra_lines)
    if not lines:
        return None
    return InvoiceDraft(
        customer_id=bundle.customer_id,
        customer_number=bundle.number,
        language=bundle.language,
        tax_treatment=bundle.tax_treatment,
        lines=lines,
    )
