import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostkontor.vault.password_generator import (
    LOOKALIKES,
    SYMBOLS,
    alphabet_for,
    generate_password,
)


def test_default_password_has_20_chars_from_every_class():
    # when a password is generated with defaults
    password = generate_password()
    # then it has 20 characters and one of each class
    assert len(password) == 20
    assert any(c in string.ascii_lowercase for c in password)
    assert any(c in string.ascii_uppercase for c in password)
    assert any(c in string.digits for c in password)
    assert any(c in SYMBOLS for c in password)


@settings(max_examples=200, deadline=None)
@given(
    lower=st.booleans(),
    upper=st.booleans(),
    digits=st.booleans(),
    symbols=st.booleans(),
    readable=st.booleans(),
    extra=st.integers(min_value=0, max_value=40),
)
def test_every_selected_class_present_and_nothing_else(
    lower, upper, digits, symbols, readable, extra
):
    classes = alphabet_for(
        lower=lower, upper=upper, digits=digits, symbols=symbols, readable=readable
    )
    if not classes:
        with pytest.raises(ValueError, match="select at least one character class"):
            generate_password(8, lower, upper, digits, symbols, readable)
        return
    length = len(classes) + extra
    password = generate_password(length, lower, upper, digits, symbols, readable)
    assert len(password) == length
    for chars in classes:
        assert any(c in chars for c in password)
    assert set(password) <= set("".join(classes))
    if readable:
        assert not set(password) & LOOKALIKES


def test_readable_mode_never_uses_lookalikes():
    seen = set()
    for _ in range(300):
        seen |= set(generate_password(40, readable=True))
    for char in "0Oo1lIi|`'\"":
        assert char not in seen
    assert not seen & LOOKALIKES


def test_shortest_possible_password_with_all_classes():
    password = generate_password(4)
    assert len(password) == 4
    assert len({next(i for i, cls in enumerate(alphabet_for()) if c in cls) for c in password}) == 4


def test_single_class_digits_only():
    assert generate_password(12, lower=False, upper=False, symbols=False).isdigit()


def test_passwords_differ():
    assert len({generate_password() for _ in range(50)}) == 50


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"length": 3},
            ValueError,
            "length 3 is too short to contain one character of each of the 4 selected classes",
        ),
        ({"length": 0, "symbols": False, "digits": False, "upper": False}, ValueError, "too short"),
        (
            {"lower": False, "upper": False, "digits": False, "symbols": False},
            ValueError,
            "select at least one character class",
        ),
        ({"length": 5000}, ValueError, "length must be at most 1024"),
        ({"length": "20"}, TypeError, "length must be an int"),
        ({"length": True}, TypeError, "length must be an int"),
    ],
)
def test_impossible_requests_are_rejected(kwargs, error, message):
    with pytest.raises(error, match=message):
        generate_password(**kwargs)


def test_symbols_avoid_quotes_backslash_and_space():
    assert not set(SYMBOLS) & set("'\"`\\ ")
