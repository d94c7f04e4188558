"""Loading what a billing run needs, in bulk, for a batch of customers.

A fixed number of queries per batch (customers, contracts, price changes, billed lines,
open one-off items), whatever the batch holds, so a run over 100,000 contracts streams
through memory batch by batch.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from hostkontor.contracts.models import Contract, PriceChange
from hostkontor.customers.models import Customer

from .drafting import ContractBundle, CustomerBundle, ItemBundle
from .engine import ContractTerms
from .engine import PriceChange as EnginePriceChange
from .models import InvoiceLine, OneOffItem


def candidate_customer_ids(run_date: date) -> list[int]:
    """Customers that may have something due on ``run_date`` (a started contract or an
    unbilled one-off item), in ascending id: the fixed order batches are locked in."""
    with_contracts = Contract.objects.filter(start__lte=run_date).values("customer_id")
    with_items = (
        OneOffItem.objects.filter(service_date__lte=run_date)
        .exclude(invoice_lines__bills=True)
        .values("customer_id")
    )
    return list(
        Customer.objects.filter(Q(pk__in=with_contracts) | Q(pk__in=with_items))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class BilledState:
    """What the lines that still bill (draft or issued, not cancelled) hold of a contract."""

    setup: bool = False
    period_starts: frozenset[date] = frozenset()


NOTHING_BILLED = BilledState()


def billed_states(contract_ids: Sequence[int]) -> dict[int, BilledState]:
    """Per contract: is its setup fee billed, and which period starts are (one query)."""
    setup: set[int] = set()
    starts: dict[int, set[date]] = defaultdict(set)
    for contract_id, kind, period_start in InvoiceLine.objects.filter(
        contract_id__in=contract_ids, bills=True, kind__in=("setup", "period")
    ).values_list("contract_id", "kind", "period_start"):
        if kind == "setup":
            setup.add(contract_id)
        else:
            starts[contract_id].add(period_start)
    return {
        pk: BilledState(pk in setup, frozenset(starts.get(pk, ()))) for pk in setup | set(starts)
    }


def load_bundles(customer_ids: Sequence[int], run_date: date) -> list[CustomerBundle]:
    customers = list(
        Customer.objects.filter(pk__in=customer_ids)
        .order_by("pk")
        .values_list("pk", "number", "language", "tax_treatment")
    )
    contract_rows = list(
        Contract.objects.filter(customer_id__in=customer_ids, start__lte=run_date)
        .order_by("pk")
        .values_list(
            "pk",
            "customer_id",
            "reference",
            "contract_type__name",
            "description",
            "start",
            "end",
            "setup_fee",
            "fee",
            "fee_unit",
            "interval",
            "mode",
            "alignment",
            "min_term_months",
            "quantity",
            "tax_rate",
            "billed_until",
            "contract_type__kind",
        )
    )
    contract_ids = [row[0] for row in contract_rows]
    prices: dict[int, list[EnginePriceChange]] = defaultdict(list)
    for contract_id, valid_from, fee in PriceChange.objects.filter(
        contract_id__in=contract_ids
    ).values_list("contract_id", "valid_from", "fee"):
        prices[contract_id].append(EnginePriceChange(valid_from=valid_from, fee=fee))
    billed = billed_states(contract_ids)
    contracts: dict[int, list[ContractBundle]] = defaultdict(list)
    for (
        pk,
        customer_id,
        reference,
        type_name,
        description,
        start,
        end,
        setup_fee,
        fee,
        fee_unit,
        interval,
        mode,
        alignment,
        min_term_months,
        quantity,
        tax_rate,
        billed_until,
        kind,
    ) in contract_rows:
        terms = ContractTerms(
            key=reference,
            start=start,
            end=end,
            setup_fee=setup_fee,
            fee=fee,
            fee_unit=fee_unit,
            interval=interval,
            mode=mode,
            alignment=alignment,
            min_term_months=min_term_months,
            quantity=quantity,
            tax_rate=tax_rate,
            billed_until=billed_until,
            setup_billed=billed.get(pk, NOTHING_BILLED).setup,
            billed_period_starts=billed.get(pk, NOTHING_BILLED).period_starts,
            price_changes=tuple(prices.get(pk, ())),
        )
        contracts[customer_id].append(
            ContractBundle(pk, reference, type_name, description, terms, kind or "service")
        )
    items: dict[int, list[ItemBundle]] = defaultdict(list)
    for pk, customer_id, description, service_date, quantity, unit_price, tax_rate, ref, kind in (
        OneOffItem.objects.filter(customer_id__in=customer_ids, service_date__lte=run_date)
        .exclude(invoice_lines__bills=True)
        .values_list(
            "pk",
            "customer_id",
            "description",
            "service_date",
            "quantity",
            "unit_price",
            "tax_rate",
            "contract__reference",
            "kind",
        )
    ):
        items[customer_id].append(
            ItemBundle(pk, description, service_date, quantity, unit_price, tax_rate, ref, kind)
        )
    return [
        CustomerBundle(
            customer_id=pk,
            number=number,
            language=language,
            tax_treatment=treatment,
            contracts=tuple(contracts.get(pk, ())),
            items=tuple(items.get(pk, ())),
        )
        for pk, number, language, treatment in customers
    ]
