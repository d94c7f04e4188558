"""Pure billing engine: contract terms in, draft invoice lines and totals out.

No Django, ORM, settings or clock: every input, including the run date and what
is already billed, is passed in, so each rule of docs/billing-semantics.md is a
plain function that can be tested to the cent.
"""

from .drafts import (
    DraftLine,
    billable_periods,
    billed_until,
    due_lines,
    fee_on,
    full_period_amount,
    is_due,
    next_due_date,
    next_period,
    period_amount,
)
from .money import round_cents
from .months import add_months, days_in_month, format_date
from .periods import Period, iter_periods
from .tax import (
    EU_COUNTRIES,
    RateTotal,
    TaxTreatment,
    Totals,
    applied_rate,
    invoice_totals,
    treatment_for,
)
from .terms import (
    Alignment,
    ContractTerms,
    FeeUnit,
    Interval,
    Mode,
    PriceChange,
    TermsError,
    check_terms,
    earliest_end,
    validate_terms,
)

__all__ = [
    "EU_COUNTRIES",
    "Alignment",
    "ContractTerms",
    "DraftLine",
    "FeeUnit",
    "Interval",
    "Mode",
    "Period",
    "PriceChange",
    "RateTotal",
    "TaxTreatment",
    "TermsError",
    "Totals",
    "add_months",
    "applied_rate",
    "billable_periods",
    "billed_until",
    "check_terms",
    "days_in_month",
    "due_lines",
    "earliest_end",
    "fee_on",
    "format_date",
    "full_period_amount",
    "invoice_totals",
    "is_due",
    "iter_periods",
    "next_due_date",
    "next_period",
    "period_amount",
    "round_cents",
    "treatment_for",
    "validate_terms",
]
