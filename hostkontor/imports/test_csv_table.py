import pytest

from hostkontor.customers.models import Customer

from .csv_table import ImportErrors, max_lengths, read_csv_table, too_long


def test_a_column_named_twice_is_refused_naming_both_positions():
    # given a header that names "email" twice (differently spelled) and "city" three times
    data = b"Email;city;email;City;CITY\nx;y;z;a;b\n"
    # when read
    with pytest.raises(ImportErrors) as raised:
        read_csv_table(data, "t.csv", columns=["email", "city"], required_columns=["email"])
    # then every repetition is named with the first position; the first one would not win
    assert [str(e) for e in raised.value.errors] == [
        "t.csv, line 1: column 'email' appears twice (columns 1 and 3)",
        "t.csv, line 1: column 'city' appears twice (columns 2 and 4)",
        "t.csv, line 1: column 'city' appears twice (columns 2 and 5)",
    ]


def test_distinct_columns_and_empty_header_cells_pass():
    rows, errors = read_csv_table(
        b"email,city,,\na@b.example,Melle,,\n",
        "t.csv",
        columns=["email", "city"],
        required_columns=[],
    )
    assert (errors, [r.values for r in rows]) == ([], [{"email": "a@b.example", "city": "Melle"}])


def test_lengths_come_from_the_model():
    lengths = max_lengths(Customer)
    assert (lengths["number"], lengths["company"], lengths["email"], "notes" in lengths) == (
        32,
        200,
        254,
        False,
    )
    assert too_long("x" * 200, 200) is None
    assert too_long("x" * 100_000, 200) == "is 100,000 characters long, at most 200 are allowed"
    assert too_long("anything", None) is None
