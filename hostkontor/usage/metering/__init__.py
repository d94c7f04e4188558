"""Pure billing math for usage components: 95th percentile, pricing, gap detection."""

from .gaps import Coverage, find_gaps
from .percentile import (
    Direction,
    directional_percentile,
    per_sample_sum,
    percentile,
    percentile95,
    percentile_index,
)
from .pricing import (
    Aggregation,
    ChargeLine,
    Rounding,
    Tier,
    TierMode,
    Unit,
    UsageCharge,
    UsageComponent,
    measure,
    rate_usage,
    to_billing_unit,
)

__all__ = [
    "Aggregation",
    "ChargeLine",
    "Coverage",
    "Direction",
    "Rounding",
    "Tier",
    "TierMode",
    "Unit",
    "UsageCharge",
    "UsageComponent",
    "directional_percentile",
    "find_gaps",
    "measure",
    "per_sample_sum",
    "percentile",
    "percentile95",
    "percentile_index",
    "rate_usage",
    "to_billing_unit",
]
