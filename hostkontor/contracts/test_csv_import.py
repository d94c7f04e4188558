from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hostkontor.core.models import AuditEvent
from hostkontor.customers.services import CustomerData, customer_create
from hostkontor.domains.models import Domain

from .management.commands.import_contracts import Command
from .models import Contract, ContractType

pytestmark = pytest.mark.django_db

HEADER = (
    "customer_number,reference,type,description,start,end,setup_fee,fee,fee_unit,interval,"
    "mode,min_term_months,alignment,quantity,tax_rate,billed_until,domains\n"
)
GOOD = HEADER + (
    "K10001,ALT-1,Domain Server Standard,inkl. Domain dmmd.de,2003-01-20,2004-01-21,39.00,19.00,"
    "month,quarter,advance,,,,,2004-01-21,DMMD.de\n"
    "K10001,ALT-2,Spamschutz,Spamfilter,2003-01-21,,,,,,,12,calendar,2,7.00,,\n"
)


@pytest.fixture
def customers(db):
    first = customer_create(actor=None, data=CustomerData(company="dmmd GmbH"))
    second = customer_create(actor=None, data=CustomerData(company="Bäckerei Müller"))
    return first, second


@pytest.fixture
def server_type(db):
    return ContractType.objects.create(
        name="Domain Server Standard",
        category="server",
        default_setup_fee=Decimal("39.00"),
        default_fee=Decimal("19.00"),
        default_interval="quarter",
    )


def run(tmp_path, text: str, name: str = "vertraege.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    out = StringIO()
    call_command("import_contracts", str(path), stdout=out)
    return out.getvalue()


def test_good_file_creates_contracts_domains_and_reports_new_types(
    tmp_path, customers, server_type
):
    output = run(tmp_path, GOOD)
    assert output == (
        "created contract type 'Spamschutz' (category other): check its defaults\n"
        "vertraege.csv: 2 created, 0 updated, 0 unchanged\n"
    )
    first = Contract.objects.get(reference="ALT-1")
    assert (
        first.customer.number,
        first.contract_type.name,
        first.start,
        first.end,
        first.setup_fee,
        first.fee,
        first.fee_unit,
        first.interval,
        first.mode,
        first.alignment,
        first.min_term_months,
        first.quantity,
        first.tax_rate,
        first.billed_until,
    ) == (
        "K10001",
        "Domain Server Standard",
        date(2003, 1, 20),
        date(2004, 1, 21),
        Decimal("39.00"),
        Decimal("19.00"),
        "month",
        "quarter",
        "advance",
        "anniversary",
        0,
        Decimal("1.000"),
        Decimal("19.00"),
        date(2004, 1, 21),
    )
    assert list(Domain.objects.values_list("name", "customer__number")) == [("dmmd.de", "K10001")]
    # the new type has the built-in defaults, and the empty cells took them
    second = Contract.objects.get(reference="ALT-2")
    assert second.contract_type.category == "other"
    assert (
        second.end,
        second.setup_fee,
        second.fee,
        second.fee_unit,
        second.interval,
        second.mode,
        second.alignment,
        second.min_term_months,
        second.quantity,
        second.tax_rate,
    ) == (
        None,
        Decimal("0.00"),
        Decimal("0.00"),
        "month",
        "month",
        "advance",
        "calendar",
        12,
        Decimal("2.000"),
        Decimal("7.00"),
    )
    assert AuditEvent.objects.filter(action="contract.created", actor__isnull=True).count() == 2


def test_empty_cells_take_the_existing_types_defaults(tmp_path, customers, server_type):
    run(tmp_path, HEADER + "K10001,ALT-9,domain server standard,,01.02.2026,,,,,,,,,,,,\n")
    contract = Contract.objects.get(reference="ALT-9")
    assert (
        contract.contract_type_id,
        contract.setup_fee,
        contract.fee,
        contract.interval,
        contract.tax_rate,
    ) == (server_type.pk, Decimal("39.00"), Decimal("19.00"), "quarter", Decimal("19.00"))


def test_bom_semicolons_german_dates_and_decimal_commas(tmp_path, customers, server_type):
    text = (
        "\ufeff"
        + HEADER.replace(",", ";")
        + 'K10002;V-77;Domain Server Standard;Server "Süd";20.01.2003;21.01.2004;1.039,50;19,5;'
        "month;quarter;arrears;;;;;;\n"
    )
    output = run(tmp_path, text, name="bom.csv")
    assert output == "bom.csv: 1 created, 0 updated, 0 unchanged\n"
    contract = Contract.objects.get(reference="V-77")
    assert (
        contract.customer.number,
        contract.description,
        contract.start,
        contract.end,
        contract.setup_fee,
        contract.fee,
        contract.mode,
    ) == (
        "K10002",
        'Server "Süd"',
        date(2003, 1, 20),
        date(2004, 1, 21),
        Decimal("1039.50"),
        Decimal("19.50"),
        "arrears",
    )


def test_reimport_changes_nothing_and_a_changed_row_updates(tmp_path, customers, server_type):
    run(tmp_path, GOOD)
    events = AuditEvent.objects.count()
    assert run(tmp_path, GOOD) == "vertraege.csv: 0 created, 0 updated, 2 unchanged\n"
    assert AuditEvent.objects.count() == events
    changed = GOOD.replace("Spamfilter,", "Spamfilter auf dem Hauptserver,")
    assert run(tmp_path, changed) == "vertraege.csv: 0 created, 1 updated, 1 unchanged\n"
    event = AuditEvent.objects.get(action="contract.updated")
    assert event.changes == {"description": ["Spamfilter", "Spamfilter auf dem Hauptserver"]}


def test_a_bad_row_saves_nothing_and_names_file_line_and_field(tmp_path, customers, server_type):
    text = HEADER + (
        "K10001,ALT-1,Domain Server Standard,,2003-01-20,,,,,,,,,,,,\n"
        "K10001,ALT-2,Neuer Typ,,2026-01-15,2026-06-30,,,,,,12,,,,,\n"
        "K99999,ALT-3,Domain Server Standard,,2003-01-20,,,,,,,,,,,,\n"
        "K10002,ALT-4,Domain Server Standard,,31.02.2003,,abc,,weekly,,,,,,,,\n"
        "K10002,ALT-1,Domain Server Standard,,2003-01-20,,,,,,,,,,,,\n"
    )
    with pytest.raises(CommandError) as error:
        run(tmp_path, text, name="fehler.csv")
    assert str(error.value) == (
        "nothing imported:\n"
        "fehler.csv, line 3, field 'end': The minimum term is 12 months. "
        "Earliest allowed end: 2027-01-14.\n"
        "fehler.csv, line 4, field 'customer_number': no customer K99999\n"
        "fehler.csv, line 5, field 'start': '31.02.2003' is not a date (YYYY-MM-DD or DD.MM.YYYY)\n"
        "fehler.csv, line 5, field 'setup_fee': 'abc' is not a number\n"
        "fehler.csv, line 5, field 'fee_unit': 'weekly' is not one of month, quarter, half_year, "
        "year, two_years\n"
        "fehler.csv, line 6, field 'reference': ALT-1 appears on line 2 too"
    )
    # nothing saved: no contract, no type, no audit event
    assert (Contract.objects.count(), ContractType.objects.count(), AuditEvent.objects.count()) == (
        0,
        1,
        2,  # the two customers of the fixture
    )


def test_a_domain_of_another_customer_and_a_foreign_reference_are_errors(
    tmp_path, customers, server_type
):
    run(tmp_path, GOOD)
    text = HEADER + (
        "K10002,ALT-5,Domain Server Standard,,2003-01-20,,,,,,,,,,,,dmmd.de\n"
        "K10002,ALT-1,Domain Server Standard,,2003-01-20,,,,,,,,,,,,\n"
    )
    with pytest.raises(CommandError) as error:
        run(tmp_path, text, name="x.csv")
    assert str(error.value) == (
        "nothing imported:\n"
        "x.csv, line 2, field 'domains': dmmd.de belongs to customer K10001\n"
        "x.csv, line 3, field 'customer_number': contract ALT-1 belongs to customer K10001"
    )


def test_header_problems_and_bad_encoding(tmp_path, customers):
    with pytest.raises(CommandError) as error:
        run(tmp_path, "customer_number,reference,typ,start\n", name="h.csv")
    assert str(error.value) == (
        "nothing imported:\n"
        "h.csv, line 1, field 'type': column is missing from the header\n"
        "h.csv, line 1, field 'typ': unknown column (expected: "
        + HEADER.strip().replace(",", ", ")
        + ")"
    )
    with pytest.raises(CommandError) as error:
        run(
            tmp_path, HEADER + "K10001,ALT-1,Müller,,2003-01-20\n", name="l.csv", encoding="latin-1"
        )
    assert str(error.value) == (
        "nothing imported:\nl.csv, line 2, field '(encoding)': is not valid UTF-8 (save the file as UTF-8)"
    )


def test_the_command_exits_non_zero_on_errors(tmp_path, customers, capsys):
    path = tmp_path / "leer.csv"
    path.write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "import_contracts", str(path)])
    assert exit_info.value.code == 1
    assert "leer.csv, line 1, field '(header)': the file is empty" in capsys.readouterr().err
