"""MRTG-2 log parser: volumes per interval, consolidation without double counting."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hostkontor.usage.parsers import Metric, UsageFormatError, parse_mrtg
from hostkontor.usage.parsers.mrtg import subject_from_filename

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "mrtg_kunde42-sw1-gi0-12.log"
B = 1715644800  # 2024-05-14T00:00:00Z, on every rateup grid


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _log(*rows: tuple[int, int, int]) -> str:
    lines = [f"{rows[0][0]} 100 200"]
    lines += [f"{t} {i} {o} {i} {o}" for t, i, o in rows]
    return "\n".join(lines) + "\n"


def _spans(samples, metric=Metric.TRAFFIC_BYTES_IN):
    return [
        (int(s.start.timestamp()) - B, int(s.end.timestamp()) - B, s.quantity, s.location)
        for s in samples
        if s.metric == metric
    ]


def test_sample_log_yields_a_volume_per_row_and_direction():
    # given the sample log (44 five-minute rows after the counter line)
    with SAMPLE.open("rb") as fh:
        # when parsed (subject from the file name)
        samples = list(parse_mrtg(fh))
    # then every row yields in and out bytes = avg rate x seconds to the next older row
    assert len(samples) == 88
    first_in, first_out = samples[0], samples[1]
    assert first_in.subject == "mrtg_kunde42-sw1-gi0-12"
    assert (first_in.metric, first_out.metric) == (
        Metric.TRAFFIC_BYTES_IN,
        Metric.TRAFFIC_BYTES_OUT,
    )
    assert first_in.start == datetime(2024, 5, 14, 9, 0, 0, tzinfo=UTC)
    assert first_in.end == datetime(2024, 5, 14, 9, 5, 2, tzinfo=UTC)
    assert first_in.quantity == 6725278 * 302 == 2031033956
    assert first_out.quantity == 46285249 * 302 == 13978145198
    assert first_in.location == "line 2"
    # the oldest row has no older neighbour and takes the 300 s grid of its newer one
    last_in = samples[-2]
    assert (last_in.location, last_in.quantity) == ("line 45", 7437106 * 300)
    assert last_in.start == datetime(2024, 5, 14, 5, 25, tzinfo=UTC)


def test_sample_intervals_tile_the_covered_time_exactly_once():
    samples = [s for s in parse_mrtg(SAMPLE.read_bytes(), filename=SAMPLE.name)]
    ins = sorted((s for s in samples if s.metric == Metric.TRAFFIC_BYTES_IN), key=lambda s: s.start)
    # consecutive samples touch, and together cover 1715664300..1715677502 (13,202 s)
    assert all(a.end == b.start for a, b in zip(ins, ins[1:], strict=False))
    assert sum((s.duration for s in ins), timedelta()) == timedelta(seconds=13202)
    assert len({s.unique_key for s in samples}) == 88


def test_rateup_sections_with_partial_rows_are_counted_once():
    # given a rateup-style log: current partial row, 5-min rows, partial row before the 30-min
    # section, 30-min rows, partial row before the 1-day section, a 1-day row
    log = _log(
        (B + 3700, 10, 1),  # current: (B+3600, B+3700]
        (B + 3600, 1, 1),
        (B + 3300, 2, 1),
        (B + 3000, 3, 1),
        (B + 2700, 4, 1),  # partial: (B+1800, B+2700]
        (B + 1800, 5, 1),  # 30-min
        (B, 6, 1),  # 30-min: (B-1800, B]
        (B - 1800, 7, 1),  # partial: (B-86400, B-1800]
        (B - 86400, 8, 1),  # 1-day, oldest: grid of its neighbour
    )
    # when parsed
    spans = _spans(parse_mrtg(log, filename="t.log"))
    # then each row covers the time back to the next older row
    assert spans == [
        (3600, 3700, 1000, "line 2"),
        (3300, 3600, 300, "line 3"),
        (3000, 3300, 600, "line 4"),
        (2700, 3000, 900, "line 5"),
        (1800, 2700, 3600, "line 6"),
        (0, 1800, 9000, "line 7"),
        (-1800, 0, 10800, "line 8"),
        (-86400, -1800, 7 * 84600, "line 9"),
        (-86400 - 84600, -86400, 8 * 84600, "line 10"),
    ]


def test_coarse_rows_overlapping_finer_rows_only_fill_the_uncovered_time():
    # given a log whose 30-min section restarts at a time the 5-min rows already cover
    log = _log(
        (B + 1800, 1, 1),
        (B + 1500, 1, 1),
        (B + 1200, 1, 1),  # last 5-min row: keeps its 300 s grid -> (B+900, B+1200]
        (B + 1800, 7, 1),  # 30-min (B, B+1800]: only (B, B+900] is not covered yet
        (B, 5, 1),  # 30-min (B-1800, B]
        (B - 1800, 3, 1),  # oldest 30-min row
    )
    # when parsed
    spans = _spans(parse_mrtg(log, filename="t.log"))
    # then no second is counted twice
    assert spans == [
        (1500, 1800, 300, "line 2"),
        (1200, 1500, 300, "line 3"),
        (900, 1200, 300, "line 4"),
        (0, 900, 7 * 900, "line 5"),
        (-1800, 0, 5 * 1800, "line 6"),
        (-3600, -1800, 3 * 1800, "line 7"),
    ]


def test_coarse_row_completely_inside_covered_time_is_dropped():
    log = _log((B + 900, 1, 1), (B + 600, 1, 1), (B + 300, 1, 1), (B + 600, 9, 9), (B, 2, 2))
    spans = _spans(parse_mrtg(log, filename="t.log"))
    # the B+600 row lies inside (B, B+900] already covered by the 5-min rows: dropped
    assert [s[3] for s in spans] == ["line 2", "line 3", "line 4", "line 6"]
    # the oldest row takes the 600 s grid of its (coarse) newer neighbour
    assert spans[-1] == (-600, 0, 2 * 600, "line 6")


def test_since_clips_to_not_yet_imported_time():
    # given the sample and the end of the previous import in the middle of the newest row
    since = datetime(2024, 5, 14, 9, 2, 0, tzinfo=UTC)
    # when parsed with since
    samples = list(parse_mrtg(SAMPLE.read_bytes(), filename=SAMPLE.name, since=since))
    # then only the part of the newest row after since remains
    assert [(s.start, s.end, s.quantity) for s in samples] == [
        (since, datetime(2024, 5, 14, 9, 5, 2, tzinfo=UTC), 6725278 * 182),
        (since, datetime(2024, 5, 14, 9, 5, 2, tzinfo=UTC), 46285249 * 182),
    ]


def test_rates_mode_yields_bit_per_second():
    samples = list(parse_mrtg(SAMPLE.read_bytes(), filename=SAMPLE.name, rates=True))
    assert (samples[0].metric, samples[0].quantity) == (Metric.TRAFFIC_BPS_IN, 6725278 * 8)
    assert (samples[1].metric, samples[1].quantity) == (Metric.TRAFFIC_BPS_OUT, 46285249 * 8)


def test_subject_from_caller_or_filename():
    assert subject_from_filename("/srv/mrtg/kunde42-sw1-gi0-12.log") == "kunde42-sw1-gi0-12"
    samples = list(parse_mrtg(SAMPLE.read_bytes(), subject="sw1:Gi0/12"))
    assert {s.subject for s in samples} == {"sw1:Gi0/12"}
    with pytest.raises(ValueError, match="subject is required"):
        parse_mrtg(SAMPLE.read_bytes())


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("1715676300 x 45427281 8009212 45427281", "avg_in", "'x' is not a number"),
        ("1715676300 8009212 -5 8009212 45427281", "avg_out", "'-5' is negative"),
        (
            "1715676300 8009212 45427281 8009212",
            None,
            "expected 'epoch avg_in avg_out max_in max_out' (5 fields), got 4",
        ),
        ("1715680000 1 1 1 1", "epoch", "1715680000 is newer than the update time on line 1"),
        ("99999999999999 1 1 1 1", "epoch", "'99999999999999' is not an epoch timestamp"),
    ],
)
def test_bad_line_names_file_line_and_field(line, field, message):
    # given the sample with line 7 replaced
    lines = SAMPLE.read_text().splitlines()
    lines[6] = line
    # when parsed
    with pytest.raises(UsageFormatError) as err:
        list(parse_mrtg("\n".join(lines), filename="mrtg.log"))
    # then the error names file, line and field
    assert (err.value.file, err.value.location, err.value.field) == ("mrtg.log", "line 7", field)
    where = f"mrtg.log, line 7, field '{field}'" if field else "mrtg.log, line 7"
    assert str(err.value) == f"{where}: {message}"


def test_row_newer_than_its_predecessor_is_an_error():
    # given a row newer than every row before it (not a coarser section restarting)
    log = _log((B + 600, 1, 1), (B + 300, 1, 1), (B + 800, 1, 1))
    log = log.replace(f"{B + 600} 100 200", f"{B + 900} 100 200")
    # when parsed, then
    with pytest.raises(UsageFormatError) as err:
        list(parse_mrtg(log, filename="m.log"))
    assert str(err.value) == f"m.log, line 4, field 'epoch': {B + 800} is not older than line 3"


def test_empty_and_headerless_files():
    with pytest.raises(UsageFormatError) as err:
        list(parse_mrtg(b"", filename="m.log"))
    assert str(err.value) == "m.log, line 1: empty file (no 'epoch in_counter out_counter' line)"
    with pytest.raises(UsageFormatError, match="m.log, line 1: expected 'epoch in_counter"):
        list(parse_mrtg(b"1715677502 1 2 3 4\n", filename="m.log"))
