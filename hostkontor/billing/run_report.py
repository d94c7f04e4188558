"""The machine-readable result of a billing run (``billing_run --format json``).

One shape for a preview (drafts, nothing saved) and for a real run (saved invoices):
invoices sorted by customer number; lines by contract reference, then period start, a
setup line before its contract's periods; amounts as strings with two decimals.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from .drafting import InvoiceDraft
from .engine import invoice_totals
from .models import Invoice

KIND_ORDER = {"setup": 0, "period": 1, "usage": 2, "item": 3}


def _quantity(value: Decimal) -> str:
    """1.000 → "1", 2.500 → "2.5"."""
    return format(value.normalize(), "f")


def _line(kind, reference, description, start, end, quantity, net, rate) -> dict:
    return {
        "contract": reference,
        "kind": kind,
        "description": description,
        "period_start": start.isoformat() if start else None,
        "period_end": end.isoformat() if end else None,
        "quantity": _quantity(quantity),
        "net": f"{net:.2f}",
        "tax_rate": f"{rate:.2f}",
    }


def _sort_key(line: dict):
    return (
        line["contract"] is None,
        line["contract"] or "",
        line["kind"] != "setup",
        line["period_start"] or "",
        KIND_ORDER[line["kind"]],
    )


def _invoice(customer_number, number, currency, lines: list[dict], totals) -> dict:
    return {
        "customer_number": customer_number,
        "number": number,
        "currency": currency,
        "lines": sorted(lines, key=_sort_key),
        "net": f"{totals.net:.2f}",
        "tax": f"{totals.tax:.2f}",
        "gross": f"{totals.gross:.2f}",
    }


def drafts_report(run_date: date, drafts: Iterable[InvoiceDraft]) -> dict:
    invoices = [
        _invoice(
            d.customer_number,
            None,
            "EUR",
            [
                _line(
                    line.kind,
                    line.contract_reference,
                    line.description,
                    line.period_start,
                    line.period_end,
                    line.quantity,
                    line.net,
                    line.tax_rate,
                )
                for line in d.lines
            ],
            d.totals,
        )
        for d in drafts
    ]
    return {
        "date": run_date.isoformat(),
        "invoices": sorted(invoices, key=lambda i: i["customer_number"]),
    }


def invoices_report(run_date: date, invoice_ids: Iterable[int]) -> dict:
    invoices = (
        Invoice.objects.filter(pk__in=list(invoice_ids))
        .select_related("customer")
        .prefetch_related("lines__contract", "lines__one_off_item__contract")
    )
    result = []
    for invoice in invoices:
        lines = list(invoice.lines.all())
        rows = []
        for line in lines:
            contract = line.contract or (line.one_off_item.contract if line.one_off_item else None)
            rows.append(
                _line(
                    line.kind,
                    contract.reference if contract else None,
                    line.description,
                    line.period_start,
                    line.period_end,
                    line.quantity,
                    line.net,
                    line.tax_rate,
                )
            )
        result.append(
            _invoice(
                invoice.customer.number,
                invoice.number,
                invoice.currency,
                rows,
                invoice_totals(lines),
            )
        )
    return {
        "date": run_date.isoformat(),
        "invoices": sorted(result, key=lambda i: i["customer_number"]),
    }
