"""Property tests: no input makes a parser raise anything but ImportFormatError."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostkontor.domains.parsers import PARSERS, parse_registrar_file, records_from_mapping
from hostkontor.domains.parsers.test_parsers import SAMPLES, TESTDATA
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.mapping import FieldSpec, Mapping

FUZZ = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def only_import_errors(call) -> None:
    try:
        result = call()
    except ImportFormatError as exc:
        assert str(exc)  # the message can always be rendered
    else:
        assert isinstance(result, list)


@pytest.mark.parametrize("fmt", list(PARSERS))
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(fmt, data):
    only_import_errors(lambda: parse_registrar_file(fmt, data, "fuzz"))


@pytest.mark.parametrize("fmt", list(PARSERS))
@FUZZ
@given(cut=st.integers(min_value=0, max_value=5000))
def test_truncations_of_the_samples(fmt, cut):
    data = (TESTDATA / SAMPLES[fmt]).read_bytes()
    only_import_errors(lambda: parse_registrar_file(fmt, data[: cut % (len(data) + 1)], "fuzz"))


@pytest.mark.parametrize("fmt", list(PARSERS))
@FUZZ
@given(position=st.integers(min_value=0), replacement=st.binary(min_size=0, max_size=4))
def test_byte_mutations_of_the_samples(fmt, position, replacement):
    data = (TESTDATA / SAMPLES[fmt]).read_bytes()
    at = position % len(data)
    mutated = data[:at] + replacement + data[at + 1 :]
    only_import_errors(lambda: parse_registrar_file(fmt, mutated, "fuzz"))


MAPPINGS = {
    "csv": Mapping(
        kind="csv",
        delimiter=";",
        encoding="iso-8859-1",
        fields=(
            FieldSpec("domain", "Domain", required=True),
            FieldSpec("expires", "Ablauf", type="date", format="dd.mm.yyyy"),
            FieldSpec("status", "Status", value_map={"aktiv": "active"}),
            FieldSpec("auto_renew", "Auto", type="bool"),
        ),
    ),
    "json": Mapping(
        kind="json",
        fields=(
            FieldSpec("domain", "fqdn", required=True),
            FieldSpec("expires", "dates.registry_ends_at", type="date"),
            FieldSpec("status", "status"),
            FieldSpec("auto_renew", "autorenew", type="bool"),
            FieldSpec("handle", "id"),
        ),
    ),
    "xml": Mapping(
        kind="xml",
        record_xpath="//*[local-name()='Domain']",
        fields=(
            FieldSpec("domain", "@Name", required=True),
            FieldSpec("expires", "@Expires", type="date", format="mm/dd/yyyy"),
            FieldSpec("auto_renew", "@AutoRenew", type="bool"),
            FieldSpec("handle", "@ID", type="int"),
        ),
    ),
}
MAPPING_SAMPLES = {
    "csv": "Domain;Ablauf;Status;Auto\nmüller.de;31.12.2025;aktiv;ja\n".encode("iso-8859-1"),
    "json": (TESTDATA / SAMPLES["gandi"]).read_bytes(),
    "xml": (TESTDATA / SAMPLES["namecheap"]).read_bytes(),
}


def test_mapping_samples_parse():
    counts = {
        kind: len(records_from_mapping(MAPPINGS[kind], MAPPING_SAMPLES[kind], kind))
        for kind in MAPPINGS
    }
    assert counts == {"csv": 1, "json": 2, "xml": 5}


@pytest.mark.parametrize("kind", list(MAPPINGS))
@FUZZ
@given(data=st.binary(max_size=400))
def test_mappings_on_random_bytes(kind, data):
    only_import_errors(lambda: records_from_mapping(MAPPINGS[kind], data, "fuzz"))


@pytest.mark.parametrize("kind", list(MAPPINGS))
@FUZZ
@given(cut=st.integers(min_value=0), position=st.integers(min_value=0), byte=st.binary(max_size=3))
def test_mappings_on_mutated_samples(kind, cut, position, byte):
    data = MAPPING_SAMPLES[kind]
    at = position % len(data)
    mutated = (data[:at] + byte + data[at + 1 :])[: cut % (len(data) + 2)]
    only_import_errors(lambda: records_from_mapping(MAPPINGS[kind], mutated, "fuzz"))
