"""Gap detection over a billing period."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hostkontor.usage.metering import find_gaps

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = T0 + timedelta(hours=1)


def _every_5_min(skip=()):
    return [T0 + timedelta(minutes=5 * i) for i in range(12) if i not in skip]


def test_complete_hour():
    coverage = find_gaps(_every_5_min(), interval=300, start=T0, end=HOUR)
    assert coverage.gaps == ()
    assert (coverage.ratio, coverage.complete) == (Decimal(1), True)
    assert (coverage.expected_samples, coverage.missing_samples) == (12, 0)


def test_two_missing_samples_in_the_middle():
    # given samples 4 and 5 (00:20-00:30) missing
    coverage = find_gaps(
        _every_5_min(skip=(4, 5)), interval=timedelta(minutes=5), start=T0, end=HOUR
    )
    # then one gap of 10 minutes, 10/12 covered
    assert coverage.gaps == ((T0 + timedelta(minutes=20), T0 + timedelta(minutes=30)),)
    assert coverage.ratio == Decimal(10) / Decimal(12)
    assert coverage.covered == timedelta(minutes=50)
    assert (coverage.missing_samples, coverage.complete) == (2, False)


def test_gaps_at_both_ends_and_no_samples():
    coverage = find_gaps(_every_5_min(skip=(0, 11)), interval=300, start=T0, end=HOUR)
    assert coverage.gaps == (
        (T0, T0 + timedelta(minutes=5)),
        (T0 + timedelta(minutes=55), HOUR),
    )
    empty = find_gaps([], interval=300, start=T0, end=HOUR)
    assert (empty.gaps, empty.ratio, empty.missing_samples) == (((T0, HOUR),), Decimal(0), 12)


def test_intervals_overlapping_and_outside_the_period_are_clipped_and_merged():
    spans = [
        (T0 - timedelta(minutes=10), T0 + timedelta(minutes=10)),
        (T0 + timedelta(minutes=5), T0 + timedelta(minutes=30)),
        (T0 + timedelta(minutes=40), HOUR + timedelta(hours=3)),
    ]
    coverage = find_gaps(spans, interval=300, start=T0, end=HOUR)
    assert coverage.gaps == ((T0 + timedelta(minutes=30), T0 + timedelta(minutes=40)),)
    assert coverage.covered == timedelta(minutes=50)


def test_min_gap_hides_collector_jitter_but_ratio_still_counts_it():
    # given samples of 300 s that start 1 s late each time
    spans = [
        (T0 + timedelta(seconds=301 * i), T0 + timedelta(seconds=301 * i + 300)) for i in range(3)
    ]
    end = T0 + timedelta(seconds=902)
    shown = find_gaps(spans, interval=300, start=T0, end=end)
    hidden = find_gaps(spans, interval=300, start=T0, end=end, min_gap=timedelta(seconds=2))
    assert shown.gaps == (
        (T0 + timedelta(seconds=300), T0 + timedelta(seconds=301)),
        (T0 + timedelta(seconds=601), T0 + timedelta(seconds=602)),
    )
    assert hidden.gaps == ()
    assert hidden.ratio == Decimal(900) / Decimal(902)


def test_naive_datetimes_and_bad_periods_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        find_gaps([datetime(2024, 5, 1)], interval=300, start=T0, end=HOUR)
    with pytest.raises(ValueError, match="before end"):
        find_gaps([], interval=300, start=HOUR, end=T0)
    with pytest.raises(ValueError, match="positive"):
        find_gaps([], interval=0, start=T0, end=HOUR)
