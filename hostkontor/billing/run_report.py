"""The machine-readable result of a billing run (``billing_run --format json``).

One shape for a preview (drafts, nothing saved) and for a real run (saved invoices):
invoices sorted by customer number; lines by contract reference, then period start, a
setup line before its contract's periods; amounts as strings with two decimals.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from .drafting import InvoiceDraft
from .engine import invoice_totals
from .models import Invoice, InvoiceLine

KIND_ORDER = {"setup": 0, "period": 1, "usage": 2, "item": 3}


def _quantity(value: Decimal) -> str:
    """1.000 → "1", 2.500 → "2.5"."""
    return format(value.normalize(), "f")


def _line(kind, reference, description, start, end, quantity, net, rate) -> dict:
    if kind in ("setup", "item"):
        # Their stored dates are a date of supply, not a billing period: the documented
        # shape keeps ``period_*`` null for them (the PDF prints the date of supply).
        start = end = None
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


# Invoices per query. Their lines come in one query per chunk with their contracts joined:
# Django prefetches a foreign key on SQLite as ``id = %s OR id = %s …``, which SQLite
# refuses beyond 1,000 terms ("Expression tree is too large") - a run of 20,000 customers
# touches 100,000 contracts, and one customer may have more than 1,000.
REPORT_CHUNK = 500


def _saved_invoice(invoice: Invoice) -> dict:
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
    return _invoice(
        invoice.customer.number, invoice.number, invoice.currency, rows, invoice_totals(lines)
    )


LINES = InvoiceLine.objects.select_related("contract", "one_off_item__contract")


def saved_invoices(invoice_ids: Sequence[int]) -> Iterator[dict]:
    """The report entries of ``invoice_ids`` in that order, loaded ``REPORT_CHUNK`` at a
    time (a run of 20,000 customers must not become one query with 20,000 ids)."""
    for offset in range(0, len(invoice_ids), REPORT_CHUNK):
        chunk = invoice_ids[offset : offset + REPORT_CHUNK]
        invoices = (
            Invoice.objects.filter(pk__in=chunk)
            .select_related("customer")
            .prefetch_related(Prefetch("lines", queryset=LINES))
            .in_bulk()
        )
        yield from (_saved_invoice(invoices[pk]) for pk in chunk if pk in invoices)


def report_order(invoices: Iterable[Invoice]) -> list[int]:
    """Ids sorted as the report lists them (customer number), from the invoices' snapshot of
    the number, which runs set on every draft, so nothing needs loading twice."""
    return [
        invoice.pk
        for invoice in sorted(
            invoices, key=lambda i: (i.customer_number or i.customer.number, i.pk)
        )
    ]


def invoices_report(run_date: date, invoice_ids: Iterable[int]) -> dict:
    return {
        "date": run_date.isoformat(),
        "invoices": sorted(saved_invoices(list(invoice_ids)), key=lambda i: i["customer_number"]),
    }


def json_chunks(head: dict, entries: Iterable[dict], tail: dict) -> Iterator[str]:
    """``{**head, "invoices": [*entries], **tail}`` as indented JSON, one invoice at a time,
    so printing the report of a big run never holds all of it as one string."""
    yield json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "invoices": ['
    for position, entry in enumerate(entries):
        text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        yield ("," if position else "") + "\n    " + text
    rest = json.dumps(tail, ensure_ascii=False, indent=2)[1:] if tail else "\n}"
    yield "\n  ]" + ("," if tail else "") + rest
