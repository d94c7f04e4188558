"""Pure billing math for usage components (traffic, 95th percentile, disk, mailboxes...).

Pipeline per component and billing period::

    raw = measure(component, inbound=..., outbound=...)   # bytes | bit/s | count
    charge = rate_usage(component, raw)                  # -> UsageCharge

Rules
-----
* Units: ``GB``/``TB`` from bytes with ``byte_base`` 10**9 (SI, default) or 2**30 (binary,
  TB = base * 1000 or 2**40); ``Mbit/s``/``Gbit/s`` from bit/s with 10**6 / 10**9; ``piece``
  counts as is. Conversion is exact (Decimal, 60 digits).
* ``included`` (billing unit) is subtracted first; the overage is rounded to ``rounding_step``
  in ``rounding`` direction (default: up to whole units = "per started GB"); never negative.
* Price: either flat ``unit_price`` per billable unit, or ``tiers`` ``(up_to, unit_price)`` over
  the billable quantity -- ``graduated``: each slice at its tier's price; ``volume``: the whole
  quantity at the price of the tier it falls into (``up_to`` inclusive). The last tier must be
  open (``up_to=None``).
* Money is rounded ONCE, half up to cents, on the total; the breakdown lines stay unrounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any

from .percentile import Direction, is_missing, per_sample_sum, percentile

__all__ = [
    "Aggregation",
    "ChargeLine",
    "Direction",
    "Rounding",
    "Tier",
    "TierMode",
    "Unit",
    "UsageCharge",
    "UsageComponent",
    "measure",
    "rate_usage",
    "to_billing_unit",
]

CENT = Decimal("0.01")
SI_GB = 10**9
BINARY_GB = 2**30


class Unit(StrEnum):
    GB = "GB"
    TB = "TB"
    MBIT_S = "Mbit/s"
    GBIT_S = "Gbit/s"
    PIECE = "piece"


BYTE_UNITS = (Unit.GB, Unit.TB)
RATE_UNITS = (Unit.MBIT_S, Unit.GBIT_S)


class Aggregation(StrEnum):
    VOLUME = "volume"  # sum over the period (traffic)
    PERCENTILE95 = "percentile95"  # burstable billing
    MAX = "max"  # peak (disk GB, mailboxes)
    LAST = "last"  # value at the end of the period


class TierMode(StrEnum):
    GRADUATED = "graduated"
    VOLUME = "volume"


class Rounding(StrEnum):
    UP = "up"
    HALF_UP = "half_up"
    DOWN = "down"


_DECIMAL_ROUNDING = {
    Rounding.UP: ROUND_CEILING,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.DOWN: ROUND_FLOOR,
}


def _dec(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str | float):
        result = Decimal(str(value))
    else:
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be finite")
    return result


@dataclass(frozen=True, slots=True)
class Tier:
    up_to: Decimal | None  # inclusive upper bound of billable units; None = open
    unit_price: Decimal

    def __post_init__(self) -> None:
        if self.up_to is not None:
            object.__setattr__(self, "up_to", _dec(self.up_to, "tier up_to"))
            if self.up_to <= 0:
                raise ValueError("tier up_to must be positive")
        object.__setattr__(self, "unit_price", _dec(self.unit_price, "tier unit_price"))
        if self.unit_price < 0:
            raise ValueError("tier unit_price must not be negative")


@dataclass(frozen=True, slots=True)
class UsageComponent:
    """How one usage metric of a contract is billed per billing period."""

    metric: str
    unit: Unit
    included: Decimal = Decimal(0)
    unit_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    tier_mode: TierMode = TierMode.GRADUATED
    rounding_step: Decimal | None = Decimal(1)
    rounding: Rounding = Rounding.UP
    byte_base: int = SI_GB
    direction: Direction | None = None
    aggregation: Aggregation = Aggregation.VOLUME

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "unit", Unit(self.unit))
        setattr_(self, "tier_mode", TierMode(self.tier_mode))
        setattr_(self, "rounding", Rounding(self.rounding))
        setattr_(self, "aggregation", Aggregation(self.aggregation))
        if self.direction is not None:
            setattr_(self, "direction", Direction(self.direction))
        setattr_(self, "included", _dec(self.included, "included"))
        if self.included < 0:
            raise ValueError("included must not be negative")
        if self.rounding_step is not None:
            setattr_(self, "rounding_step", _dec(self.rounding_step, "rounding_step"))
            if self.rounding_step <= 0:
                raise ValueError("rounding_step must be positive")
        if self.byte_base not in (SI_GB, BINARY_GB):
            raise ValueError("byte_base must be 10**9 or 2**30")
        tiers = tuple(t if isinstance(t, Tier) else Tier(*t) for t in self.tiers)
        setattr_(self, "tiers", tiers)
        if self.unit_price is not None:
            setattr_(self, "unit_price", _dec(self.unit_price, "unit_price"))
            if self.unit_price < 0:
                raise ValueError("unit_price must not be negative")
        if (self.unit_price is None) == (not tiers):
            raise ValueError("give either unit_price or tiers")
        if tiers:
            bounds = [t.up_to for t in tiers]
            if bounds[-1] is not None or None in bounds[:-1]:
                raise ValueError("the last tier must be open (up_to=None), and only the last")
            closed = bounds[:-1]
            if any(a >= b for a, b in zip(closed, closed[1:], strict=False)):
                raise ValueError("tier up_to values must increase")
        if self.aggregation is Aggregation.VOLUME and self.unit in RATE_UNITS:
            raise ValueError("a volume is not billed in a rate unit")
        if self.aggregation is Aggregation.PERCENTILE95 and self.unit not in RATE_UNITS:
            raise ValueError("95th percentile billing needs a rate unit (Mbit/s, Gbit/s)")

    @property
    def divisor(self) -> int:
        """Base units (bytes, bit/s, pieces) per billing unit."""
        if self.unit is Unit.GB:
            return self.byte_base
        if self.unit is Unit.TB:
            return self.byte_base * (1000 if self.byte_base == SI_GB else 1024)
        if self.unit is Unit.MBIT_S:
            return 10**6
        if self.unit is Unit.GBIT_S:
            return 10**9
        return 1


@dataclass(frozen=True, slots=True)
class ChargeLine:
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # unrounded


@dataclass(frozen=True, slots=True)
class UsageCharge:
    unit: Unit
    measured: Decimal  # in the billing unit, unrounded
    included: Decimal
    billable: Decimal  # overage after rounding
    unit_price: Decimal | None  # effective flat price; None for tiered pricing
    net: Decimal  # rounded once, half up, to cents
    lines: tuple[ChargeLine, ...] = field(default=())


def to_billing_unit(component: UsageComponent, raw: Any) -> Decimal:
    """Bytes / bit/s / count -> the component's billing unit, exact."""
    value = _dec(raw, "measured")
    with localcontext() as ctx:
        ctx.prec = 60
        return value / component.divisor


def _round_step(quantity: Decimal, step: Decimal | None, rounding: Rounding) -> Decimal:
    if step is None:
        return quantity
    with localcontext() as ctx:
        ctx.prec = 60
        units = (quantity / step).to_integral_value(rounding=_DECIMAL_ROUNDING[rounding])
        return (units * step).normalize() if units else Decimal(0)


def _tier_lines(tiers: tuple[Tier, ...], mode: TierMode, quantity: Decimal) -> list[ChargeLine]:
    if quantity <= 0:
        return []
    if mode is TierMode.VOLUME:
        tier = next(t for t in tiers if t.up_to is None or quantity <= t.up_to)
        return [ChargeLine(quantity, tier.unit_price, quantity * tier.unit_price)]
    lines = []
    lower = Decimal(0)
    for tier in tiers:
        upper = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if upper > lower:
            part = upper - lower
            lines.append(ChargeLine(part, tier.unit_price, part * tier.unit_price))
        if tier.up_to is None or quantity <= tier.up_to:
            break
        lower = tier.up_to
    return lines


def rate_usage(component: UsageComponent, measured: Any) -> UsageCharge:
    """Price ``measured`` (raw base units: bytes, bit/s or pieces) for one billing period."""
    quantity = to_billing_unit(component, measured)
    if quantity < 0:
        raise ValueError("measured usage must not be negative")
    overage = max(quantity - component.included, Decimal(0))
    billable = _round_step(overage, component.rounding_step, component.rounding)
    if component.tiers:
        lines = _tier_lines(component.tiers, component.tier_mode, billable)
        unit_price = None
    else:
        assert component.unit_price is not None
        unit_price = component.unit_price
        lines = [ChargeLine(billable, unit_price, billable * unit_price)] if billable else []
    total = sum((line.amount for line in lines), Decimal(0))
    return UsageCharge(
        unit=component.unit,
        measured=quantity,
        included=component.included,
        billable=billable,
        unit_price=unit_price,
        net=total.quantize(CENT, rounding=ROUND_HALF_UP),
        lines=tuple(lines),
    )


# ----------------------------------------------------------------------------- aggregation

Series = Sequence[Any] | Mapping[Any, Any]


def _present(series: Series) -> list[Any]:
    items = series.values() if isinstance(series, Mapping) else series
    return [v for v in items if not is_missing(v)]


def _ordered(series: Series) -> list[Any]:
    if isinstance(series, Mapping):
        return [series[k] for k in sorted(series)]
    return list(series)


def _single(aggregation: Aggregation, series: Series) -> Any:
    if aggregation is Aggregation.VOLUME:
        return sum(_present(series), 0)
    if aggregation is Aggregation.PERCENTILE95:
        result = percentile(series, 95)
        return 0 if result is None else result
    if aggregation is Aggregation.MAX:
        return max(_present(series), default=0)
    last = [v for v in _ordered(series) if not is_missing(v)]
    return last[-1] if last else 0


def measure(
    component: UsageComponent,
    *,
    inbound: Series | None = None,
    outbound: Series | None = None,
    values: Series | None = None,
) -> Any:
    """Aggregate a period's samples to the raw quantity ``rate_usage`` expects.

    Directional components (``direction`` set) take ``inbound``/``outbound``; others take
    ``values``. Series are sequences (in time order) or mappings keyed by sample time; missing
    samples (``None``/NaN) are skipped. ``sum`` adds per sample for percentile/max/last (a
    sample missing in one direction is skipped) and adds the totals for volumes; ``max`` takes
    the higher of the two separately aggregated directions. An empty period measures 0 --
    check coverage with :func:`..gaps.find_gaps` before billing.
    """
    aggregation = component.aggregation
    if component.direction is None:
        if values is None:
            raise ValueError(f"{component.metric}: non-directional component needs values=")
        return _single(aggregation, values)
    direction = component.direction
    if direction is Direction.IN or direction is Direction.OUT:
        series = inbound if direction is Direction.IN else outbound
        if series is None:
            raise ValueError(f"{component.metric}: direction {direction} needs its series")
        return _single(aggregation, series)
    if inbound is None or outbound is None:
        raise ValueError(f"{component.metric}: direction {direction} needs inbound and outbound")
    if direction is Direction.MAX:
        return max(_single(aggregation, inbound), _single(aggregation, outbound))
    if aggregation is Aggregation.VOLUME:
        return _single(aggregation, inbound) + _single(aggregation, outbound)
    summed = per_sample_sum(inbound, outbound)
    return _single(aggregation, summed)
