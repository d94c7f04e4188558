"""95th percentile exactly like rrdtool's VDEF PERCENT."""

import random
from decimal import Decimal

import pytest

from hostkontor.usage.metering import (
    Direction,
    directional_percentile,
    per_sample_sum,
    percentile,
    percentile95,
    percentile_index,
)


@pytest.mark.parametrize(
    ("n", "index"),
    [(1, 0), (2, 1), (12, 10), (21, 19), (31, 29), (8640, 8207), (8928, 8481)],
)
def test_index_is_c_round_of_p_times_n_minus_1(n, index):
    # 31 samples: 0.95 * 30 = 28.5 -> 29 (C rounds halves away from zero; Python's round gives 28)
    assert percentile_index(n) == index


def test_twelve_samples_bill_the_eleventh():
    values = [5, 1, 12, 3, 9, 7, 11, 2, 8, 10, 4, 6]
    assert percentile95(values) == 11


def test_8640_samples_bill_the_8208th_smallest():
    # given a 30-day month of 5-minute samples 1..8640 in random order
    values = list(range(1, 8641))
    random.Random(42).shuffle(values)
    # when / then: the top 432 are dropped
    assert percentile95(values) == 8208
    assert percentile95([Decimal(v) / 10 for v in values]) == Decimal("820.8")


def test_selection_agrees_with_sorting_for_any_percent():
    rng = random.Random(7)
    for n in (1, 2, 3, 50, 101, 999):
        values = [rng.randrange(10**6) for _ in range(n)]
        for p in (0, 5, 50, 90, 95, 99, 100):
            assert percentile(values, p) == sorted(values)[percentile_index(n, p)]


def test_missing_samples_excluded_or_sorted_first_like_rrdtool_percent():
    # given 10 samples and 2 missing ones (None and NaN)
    values = [None, float("nan"), *range(1, 11)]
    # PERCENTNAN semantics: n = 10, index round(8.55) = 9 -> 10
    assert percentile95(values) == 10
    # PERCENT semantics: n = 12, index 10, minus the 2 NaN sorted first -> 9
    assert percentile95(values, missing="smallest") == 9
    # if the index lands on a NaN, rrdtool yields NaN
    assert percentile([None, None, None, 1], 50, missing="smallest") is None
    assert percentile95([]) is None
    assert percentile95({"a": Decimal("NaN")}) is None


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("in", 9), ("out", 20), ("sum", 21), ("max", 20)],
)
def test_directions(direction, expected):
    # given 5 samples per direction, aligned by time; per-sample sums 21, 10, 21, 5, 5
    inbound = {1: 1, 2: 9, 3: 2, 4: 3, 5: 2}
    outbound = {1: 20, 2: 1, 3: 19, 4: 2, 5: 3}
    # when the 100th percentile (the top sample) is taken per direction
    # then sum is the highest per-sample sum (21), not in + out of separate peaks (29)
    assert directional_percentile(inbound, outbound, direction, percent=100) == expected


def test_directions_at_95():
    # 21 samples -> index round(0.95 * 20) = 19, the second highest
    inbound = list(range(21))  # 0..20
    outbound = [40 - 2 * v for v in inbound]  # 40..0
    assert directional_percentile(inbound, outbound, "in") == 19
    assert directional_percentile(inbound, outbound, "out") == 38
    assert directional_percentile(inbound, outbound, "max") == 38
    assert directional_percentile(inbound, outbound, "sum") == 39  # sums 40..20


def test_sum_is_per_sample_not_sum_of_percentiles():
    inbound = [10, 0, 0, 0]
    outbound = [0, 0, 0, 10]
    assert directional_percentile(inbound, outbound, Direction.SUM, percent=100) == 10
    assert directional_percentile(inbound, outbound, Direction.MAX, percent=100) == 10


def test_per_sample_sum_aligns_mappings_and_marks_one_sided_samples_missing():
    assert per_sample_sum({1: 1, 2: 2, 3: 3}, {2: 20, 3: None, 4: 40}) == [None, 22, None, None]
    with pytest.raises(ValueError, match="different sample counts"):
        per_sample_sum([1, 2], [1])
    with pytest.raises(TypeError):
        per_sample_sum({1: 1}, [1])


def test_percent_out_of_range():
    with pytest.raises(ValueError, match="0..100"):
        percentile([1], 101)
    with pytest.raises(ValueError, match="at least one"):
        percentile_index(0)


def test_ports_of_a_month_bill_the_higher_of_the_two_8208th_samples():
    # given ports with a month of 8,640 Decimal bit/s samples in and out (speed: `make bench`)
    rng = random.Random(1)
    pool = [Decimal(rng.randrange(10**10)) / 100 for _ in range(8640 + 10)]
    ports = [(pool[i : i + 8640], pool[10 - i : 8650 - i]) for i in range(10)]
    # when the billed (max of in/out) percentile is computed per port
    results = [directional_percentile(i, o, Direction.MAX) for i, o in ports]
    # then each is the higher of the two 8,208th smallest samples
    assert results == [max(sorted(i)[8207], sorted(o)[8207]) for i, o in ports]
