"""Every import command reports a bad file the same way: ``nothing imported:`` and one
``FILE, line N, field 'F': message`` line per error, FILE as the user typed it."""

from contextlib import chdir

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

CUSTOMERS = (
    "customer_number,company,street,zip,city,country,email,vat_id,language\n"
    "K1,Gut GmbH,,,,DE,,,de\n"
    "K2,,,,,DE,,,de\n"
)
CONTRACTS = (
    "customer_number,reference,type,description,start,end,setup_fee,fee,fee_unit,interval,"
    "mode,min_term_months,alignment,quantity,tax_rate,billed_until,domains\n"
    "K10001,ALT-1,Typ,,2003-01-20,,abc,,,,,,,,,,\n"
)
JOKER = (
    "Columns: domain,expiration_date,domain_status\nStatus-Code: 0\n\n"
    "example-shop.de 2025-03-02 lock\nmuster-gmbh.de 30.11.2024 lock\n"
)
MRTG = "1715677502 1 1\n1715677502 1 1 1 1\n1715677200 x 1 1 1\n"


@pytest.mark.parametrize(
    ("command", "text", "options", "errors"),
    [
        ("import_customers", CUSTOMERS, {}, ["line 3, field 'company': is required"]),
        (
            "import_contracts",
            CONTRACTS,
            {},
            [
                "line 2, field 'setup_fee': 'abc' is not a number",
                "line 2, field 'customer_number': no customer K10001",
            ],
        ),
        (
            "import_registrar",
            JOKER,
            {"registrar": "joker", "input_format": "joker"},
            ["line 5, field 'expires': '30.11.2024' is not a date in format yyyy-mm-dd"],
        ),
        (
            "import_usage",
            MRTG,
            {"input_format": "mrtg"},
            ["line 3, field 'avg_in': 'x' is not a number"],
        ),
    ],
    ids=["customers", "contracts", "registrar", "usage"],
)
def test_a_bad_file_is_reported_under_the_name_the_user_typed(
    tmp_path, command, text, options, errors
):
    # given a bad file in a folder below the current directory
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "bad.txt").write_text(text, encoding="utf-8")
    # when it is imported by its relative path
    with chdir(tmp_path), pytest.raises(CommandError) as excinfo:
        call_command(command, "exports/bad.txt", **options)
    # then every error names the file as typed, with line and field
    assert str(excinfo.value).splitlines() == [
        "nothing imported:",
        *(f"exports/bad.txt, {error}" for error in errors),
    ]
