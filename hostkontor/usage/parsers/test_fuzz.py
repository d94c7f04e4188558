"""Fuzzing: whatever bytes come in, parsers raise nothing but UsageFormatError."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostkontor.usage.parsers import PARSERS, UsageFormatError

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    ("vnstat", "vnstat_json_d_eth0.json"),
    ("vnstat", "vnstat_json_f_eth0.json"),
    ("mrtg", "mrtg_kunde42-sw1-gi0-12.log"),
    ("rrd", "rrdtool_xport_sw1-gi0-12.xml"),
    ("apache", "apache_vhost_combined_other_vhosts_access.log"),
]
DATA = {fixture: (FIXTURES / fixture).read_bytes() for _, fixture in CASES}
FUZZ = settings(
    max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _parse_all(parser: str, data: bytes) -> int:
    try:
        return len(list(PARSERS[parser](data, filename="fuzz.input")))
    except UsageFormatError:
        return -1


@FUZZ
@given(case=st.sampled_from(CASES), data=st.binary(max_size=400))
def test_random_bytes(case, data):
    _parse_all(case[0], data)


@FUZZ
@given(case=st.sampled_from(CASES), cut=st.floats(min_value=0, max_value=1))
def test_truncated_samples(case, cut):
    raw = DATA[case[1]]
    _parse_all(case[0], raw[: int(len(raw) * cut)])


@FUZZ
@given(
    case=st.sampled_from(CASES),
    edits=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.binary(min_size=0, max_size=3)),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_samples(case, edits):
    raw = bytearray(DATA[case[1]])
    for where, replacement in edits:
        i = int(len(raw) * where)
        raw[i : i + 1] = replacement
    _parse_all(case[0], bytes(raw))


@FUZZ
@given(case=st.sampled_from(CASES), data=st.data())
def test_mutated_digits_and_punctuation(case, data):
    # structure-preserving edits hit the value checks rather than the tokenizer
    raw = bytearray(DATA[case[1]])
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.sampled_from(b'0123456789-.:/eE+ "[]{},x\n'))
    _parse_all(case[0], bytes(raw))


def test_unmodified_samples_parse():
    assert [_parse_all(p, DATA[f]) for p, f in CASES] == [28, 24, 88, 24, 3]
