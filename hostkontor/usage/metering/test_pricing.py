"""Usage pricing: included quantity, rounding steps, tiers, units, money rounding."""

from decimal import Decimal
from pathlib import Path

import pytest

from hostkontor.usage.metering import (
    Aggregation,
    ChargeLine,
    Direction,
    Tier,
    Unit,
    UsageComponent,
    measure,
    rate_usage,
    to_billing_unit,
)
from hostkontor.usage.parsers import Metric, parse_rrd

RRD_SAMPLE = Path(__file__).parents[1] / "parsers" / "fixtures" / "rrdtool_xport_sw1-gi0-12.xml"
D = Decimal


def traffic(**kwargs) -> UsageComponent:
    defaults = dict(
        metric="traffic", unit=Unit.GB, included=100, unit_price="0.49", direction=Direction.SUM
    )
    return UsageComponent(**(defaults | kwargs))


def test_included_traffic_and_overage_per_started_gb():
    # given 100 GB included, 0.49 EUR per started GB above
    # when 123,456,789,012 bytes were transferred
    charge = rate_usage(traffic(), 123_456_789_012)
    # then 23.456789012 GB over -> 24 started GB -> 11.76 EUR
    assert charge.measured == D("123.456789012")
    assert (charge.included, charge.billable, charge.unit_price) == (D(100), D(24), D("0.49"))
    assert charge.net == D("11.76")
    assert charge.lines == (ChargeLine(D(24), D("0.49"), D("11.76")),)


@pytest.mark.parametrize(
    ("measured", "billable", "net"),
    [(0, D(0), D("0.00")), (100 * 10**9, D(0), D("0.00")), (100 * 10**9 + 1, D(1), D("0.49"))],
)
def test_included_boundary(measured, billable, net):
    charge = rate_usage(traffic(), measured)
    assert (charge.billable, charge.net) == (billable, net)


def test_rounding_step_tenth_of_a_gb():
    # 100.3000001 GB, 100 included, per started 0.1 GB at 1.00 EUR/GB -> 0.4 GB
    charge = rate_usage(traffic(rounding_step="0.1", unit_price=1), 100_300_000_100)
    assert (charge.billable, charge.net) == (D("0.4"), D("0.40"))


def test_rounding_directions():
    assert rate_usage(traffic(rounding="half_up", unit_price=1), 100_500_000_000).billable == D(1)
    assert rate_usage(traffic(rounding="half_up", unit_price=1), 100_499_999_999).billable == D(0)
    assert rate_usage(traffic(rounding="down", unit_price=1), 100_999_999_999).billable == D(0)
    exact = rate_usage(traffic(rounding_step=None, unit_price=1), 100_123_456_789)
    assert (exact.billable, exact.net) == (D("0.123456789"), D("0.12"))


def test_binary_gigabytes():
    # given 2**30-byte GB and 5 GiB + 1 byte
    component = traffic(included=0, unit_price=1, byte_base=2**30)
    charge = rate_usage(component, 5 * 2**30 + 1)
    # then the conversion is exact and the started 6th GB is billed
    assert charge.measured == D("5.000000000931322574615478515625")
    assert (charge.billable, charge.net) == (D(6), D("6.00"))
    assert rate_usage(component, 5 * 2**30).billable == D(5)
    assert to_billing_unit(traffic(unit=Unit.TB, byte_base=2**30), 2**40) == D(1)
    assert to_billing_unit(traffic(unit=Unit.TB), 10**12) == D(1)


TIERS = [(100, "0.50"), (500, "0.40"), (None, "0.30")]


def test_graduated_tiers_price_each_slice():
    # given 650 billable GB and tiers 0-100 @0.50, 100-500 @0.40, above @0.30
    charge = rate_usage(traffic(included=0, unit_price=None, tiers=TIERS), 650 * 10**9)
    # then 100*0.50 + 400*0.40 + 150*0.30 = 50 + 160 + 45
    assert charge.net == D("255.00")
    assert charge.unit_price is None
    assert [(line.quantity, line.unit_price) for line in charge.lines] == [
        (D(100), D("0.50")),
        (D(400), D("0.40")),
        (D(150), D("0.30")),
    ]


@pytest.mark.parametrize(
    ("gb", "net"), [(650, "195.00"), (500, "200.00"), (501, "150.30"), (100, "50.00")]
)
def test_volume_tiers_price_everything_at_the_reached_tier(gb, net):
    # up_to is inclusive: exactly 500 GB is still in the 0.40 tier
    charge = rate_usage(
        traffic(included=0, unit_price=None, tiers=TIERS, tier_mode="volume"), gb * 10**9
    )
    assert charge.net == D(net)


def test_tiers_apply_to_the_overage_after_included():
    charge = rate_usage(traffic(included=100, unit_price=None, tiers=TIERS), 250 * 10**9)
    assert charge.lines == (
        ChargeLine(D(100), D("0.50"), D("50.00")),
        ChargeLine(D(50), D("0.40"), D("20.00")),
    )
    assert charge.net == D("70.00")


def test_money_is_rounded_once_half_up():
    # each slice is 0.005 resp. 0.015; rounding per line would give 0.01 + 0.02
    component = traffic(included=0, unit_price=None, tiers=[(1, "0.005"), (None, "0.015")])
    assert rate_usage(component, 2 * 10**9).net == D("0.02")
    # half up, not banker's: 0.125 -> 0.13
    assert rate_usage(traffic(included=0, unit_price="0.125"), 10**9).net == D("0.13")
    assert rate_usage(traffic(included=0, unit_price="0.0049"), 10**9).net == D("0.00")


def test_95th_percentile_billing_in_mbit_per_second():
    # given the rrd sample, 100 Mbit/s committed, 2.50 EUR per started Mbit/s above, billed max(in, out)
    samples = list(parse_rrd(RRD_SAMPLE.read_bytes()))
    inbound = {s.start: s.quantity for s in samples if s.metric == Metric.TRAFFIC_BPS_IN}
    outbound = {s.start: s.quantity for s in samples if s.metric == Metric.TRAFFIC_BPS_OUT}
    component = UsageComponent(
        metric="traffic_bps",
        unit=Unit.MBIT_S,
        included=100,
        unit_price="2.50",
        direction=Direction.MAX,
        aggregation=Aggregation.PERCENTILE95,
    )
    # when measured and rated
    raw = measure(component, inbound=inbound, outbound=outbound)
    charge = rate_usage(component, raw)
    # then out's 95th percentile 341.30453123 Mbit/s -> 242 started Mbit/s over -> 605.00 EUR
    assert raw == D("341304531.23")
    assert charge.measured == D("341.30453123")
    assert (charge.billable, charge.net) == (D(242), D("605.00"))


def test_measure_volume_directions():
    inbound, outbound = [10, 20, None], [5, 50, 1]
    for direction, expected in (("in", 30), ("out", 56), ("sum", 86), ("max", 56)):
        component = traffic(direction=direction)
        assert measure(component, inbound=inbound, outbound=outbound) == expected


def test_measure_non_directional_max_and_last():
    disk = UsageComponent(
        metric="disk", unit=Unit.GB, included=10, unit_price=1, aggregation=Aggregation.MAX
    )
    mailboxes_last = UsageComponent(
        metric="mailboxes", unit=Unit.PIECE, unit_price="1.00", aggregation=Aggregation.LAST
    )
    assert measure(disk, values=[3 * 10**9, 12 * 10**9, 7 * 10**9]) == 12 * 10**9
    assert rate_usage(disk, 12 * 10**9).net == D("2.00")
    # mappings are ordered by key (sample time) for "last"; missing values are skipped
    assert measure(mailboxes_last, values={3: None, 1: 4, 2: 9}) == 9
    assert measure(mailboxes_last, values=[]) == 0


def test_measure_percentile_sum_is_per_sample():
    component = UsageComponent(
        metric="bps", unit=Unit.MBIT_S, unit_price=1, direction="sum", aggregation="percentile95"
    )
    assert measure(component, inbound=[10, 0], outbound=[0, 10]) == 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(unit_price="1", tiers=TIERS), "either unit_price or tiers"),
        (dict(unit_price=None), "either unit_price or tiers"),
        (dict(unit_price=None, tiers=[(100, 1), (200, 1)]), "must be open"),
        (dict(unit_price=None, tiers=[(200, 1), (100, 1), (None, 1)]), "must increase"),
        (dict(byte_base=1000), "10\\*\\*9 or 2\\*\\*30"),
        (dict(rounding_step=0), "rounding_step must be positive"),
        (dict(included=-1), "included must not be negative"),
        (dict(aggregation="percentile95"), "needs a rate unit"),
        (dict(unit=Unit.MBIT_S), "not billed in a rate unit"),
    ],
)
def test_invalid_components(kwargs, message):
    with pytest.raises(ValueError, match=message):
        traffic(**kwargs)


def test_tier_objects_and_string_enums_are_accepted():
    component = traffic(unit="GB", tiers=(Tier(None, "0.1"),), unit_price=None, direction="in")
    assert component.tiers == (Tier(None, D("0.1")),)
    assert component.direction is Direction.IN
