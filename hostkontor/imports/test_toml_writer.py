import tomllib

from hostkontor.imports.mapping import FieldSpec, Mapping, dump_mapping, load_mapping
from hostkontor.imports.toml_writer import dump_toml

# Every kind of character TOML wants escaped in a basic string, plus text that must not be.
NEEDS_ESCAPING = 'q"b\\s\nn\tt\rr\bb\ff\x00z\x1fu\x7fd äöü € 😀 \u2028'


def test_a_value_with_every_character_to_escape_round_trips_through_tomllib():
    # given a document whose keys and values hold every character that needs escaping
    doc = {
        "name": NEEDS_ESCAPING,
        "values": [NEEDS_ESCAPING, "plain"],
        "fields": {NEEDS_ESCAPING: {"default": NEEDS_ESCAPING, "map": {NEEDS_ESCAPING: "x"}}},
    }
    # when it is written and read back by tomllib
    text = dump_toml(doc)
    # then it is the same document, and no raw control character is in the text
    assert tomllib.loads(text) == doc
    assert [ch for ch in text if ord(ch) < 0x20 and ch != "\n" or ord(ch) == 0x7F] == []


def test_a_registrar_mapping_with_every_character_to_escape_round_trips():
    # given a registrar mapping whose name, column, default and value map need escaping
    mapping = Mapping(
        kind="csv",
        name=NEEDS_ESCAPING,
        fields=(
            FieldSpec(
                "domain",
                NEEDS_ESCAPING,
                default=NEEDS_ESCAPING,
                value_map={NEEDS_ESCAPING: NEEDS_ESCAPING},
            ),
        ),
    )
    # when it is dumped to TOML and loaded again
    text = dump_mapping(mapping)
    # then tomllib reads the exact values and the mapping is unchanged
    parsed = tomllib.loads(text)
    assert parsed["name"] == NEEDS_ESCAPING
    assert parsed["fields"]["domain"]["map"] == {NEEDS_ESCAPING: NEEDS_ESCAPING}
    assert load_mapping(text) == mapping
