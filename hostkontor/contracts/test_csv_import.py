from contextlib import chdir
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    with chdir(tmp_path):  # the user types the name as errors show it
        call_command("import_contracts", name, stdout=out)
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


def test_too_long_cells_are_errors_naming_line_and_field(tmp_path, customers, server_type):
    # given a row whose reference, type name and description exceed their database columns
    text = HEADER + (f"K10001,{'R' * 65},{'T' * 121},{'d' * 100_000},2026-01-01,,,,,,,,,,,,\n")
    # when imported
    with pytest.raises(CommandError) as error:
        run(tmp_path, text, name="lang.csv")
    # then each is named with the limit read from the model; no contract and no type is stored
    assert str(error.value) == (
        "nothing imported:\n"
        "lang.csv, line 2, field 'reference': is 65 characters long, at most 64 are allowed\n"
        "lang.csv, line 2, field 'type': is 121 characters long, at most 120 are allowed\n"
        "lang.csv, line 2, field 'description': is 100,000 characters long, "
        "at most 300 are allowed"
    )
    assert (Contract.objects.count(), ContractType.objects.count()) == (0, 1)


def test_a_column_named_twice_is_refused(tmp_path, customers, server_type):
    text = HEADER.strip() + ",Start\n" + GOOD.splitlines()[1] + ",2003-01-20\n"
    with pytest.raises(CommandError) as error:
        run(tmp_path, text, name="doppelt.csv")
    assert str(error.value) == (
        "nothing imported:\ndoppelt.csv, line 1: column 'start' appears twice (columns 5 and 18)"
    )
    assert Contract.objects.count() == 0


def _rows(count: int, *, description: str = "Paket") -> str:
    return "".join(
        f"K1000{1 + i % 2},BV-{i:05d},Domain Server Standard,{description} {i},2025-01-01,,,,,,,,,,,,"
        f"{f'bulk-{i}.de' if i % 100 == 0 else ''}\n"
        for i in range(count)
    )


def test_a_file_of_several_batches_writes_and_audits_like_the_services(
    tmp_path, customers, server_type, monkeypatch
):
    # given small batches (the same code as 2,000 rows, with many batch boundaries), two
    # stored contracts of the file (one it changes) and a domain of the first customer
    monkeypatch.setattr("hostkontor.contracts.csv_import.BATCH", 7)
    run(tmp_path, HEADER + _rows(40))
    Domain.objects.filter(name="bulk-0.de").update(notes="kept")
    before = AuditEvent.objects.count()
    # and a file that changes one contract and adds 20, of which two name the same new
    # domain of one customer (in different batches, spelled differently)
    text = HEADER + _rows(60).replace("Paket 3,", "Paket drei,")
    for i, names in ((44, "extra.de shared.de"), (58, "Shared.DE")):
        row = f"BV-{i:05d},Domain Server Standard,Paket {i},2025-01-01,,,,,,,,,,,,"
        text = text.replace(row + "\n", row + names + "\n")
    # when imported
    with CaptureQueriesContext(connection) as queries:
        output = run(tmp_path, text)
    # then the counts are right
    assert output == "vertraege.csv: 20 created, 1 updated, 39 unchanged\n"
    assert len(queries) < 15 * 9  # per batch: a fixed number, not one per row
    # every new contract has its event, the changed one its field diff
    events = AuditEvent.objects.order_by("id")[before:]
    assert sorted((e.action, e.object_repr) for e in events if e.action != "contract.created") == [
        ("contract.domain_added", "BV-00044 Domain Server Standard"),
        ("contract.domain_added", "BV-00044 Domain Server Standard"),
        ("contract.updated", "BV-00003 Domain Server Standard"),
        ("domain.created", "extra.de"),
        ("domain.created", "shared.de"),
    ]
    assert [e.changes for e in events if e.action == "contract.updated"] == [
        {"description": ["Paket 3", "Paket drei"]}
    ]
    created = [e for e in events if e.action == "contract.created"]
    assert len(created) == 20
    new = Contract.objects.get(reference="BV-00058")
    event = next(e for e in created if e.object_id == str(new.pk))
    assert (event.customer_id, event.actor_name, event.changes["domains"]) == (
        customers[0].pk,
        "system",
        ["", "shared.de"],
    )
    # the shared domain exists once, belongs to the customer from the contract's start and
    # is linked to both contracts; the stored domain kept its data
    shared = Domain.objects.get(name="shared.de")
    assert sorted(shared.contracts.values_list("reference", flat=True)) == ["BV-00044", "BV-00058"]
    assert list(shared.ownerships.values_list("customer__number", "valid_from", "valid_to")) == [
        ("K10001", date(2025, 1, 1), None)
    ]
    assert (shared.name_ascii, shared.tld, Domain.objects.get(name="bulk-0.de").notes) == (
        "shared.de",
        "de",
        "kept",
    )


def test_a_domain_named_for_two_customers_in_one_file_is_an_error(tmp_path, customers, server_type):
    text = HEADER + (
        "K10001,A-1,Domain Server Standard,,2025-01-01,,,,,,,,,,,,neu.de\n"
        "K10002,A-2,Domain Server Standard,,2025-01-01,,,,,,,,,,,,neu.de\n"
    )
    with pytest.raises(CommandError) as error:
        run(tmp_path, text, name="d.csv")
    assert str(error.value) == (
        "nothing imported:\nd.csv, line 3, field 'domains': neu.de belongs to customer K10001"
    )
    assert (Contract.objects.count(), Domain.objects.count()) == (0, 0)


def test_an_error_on_the_last_line_of_a_large_file_saves_nothing(tmp_path, customers, server_type):
    # given 2,500 good rows (a first batch of 2,000 is written before the last line is read),
    # a new type and new domains, and a date that does not exist on the last line
    text = HEADER + _rows(2500).replace("Domain Server Standard,Paket 7,", "Neu,Paket 7,")
    text += "K10001,LETZT,Domain Server Standard,,31.02.2025,,,,,,,,,,,,\n"
    events = AuditEvent.objects.count()
    # when imported
    with pytest.raises(CommandError) as error:
        run(tmp_path, text, name="gross.csv")
    # then the error names the last line and nothing is stored: no contract, domain, type, event
    assert str(error.value) == (
        "nothing imported:\ngross.csv, line 2502, field 'start': '31.02.2025' is not a date "
        "(YYYY-MM-DD or DD.MM.YYYY)"
    )
    assert (
        Contract.objects.count(),
        Domain.objects.count(),
        ContractType.objects.count(),
        AuditEvent.objects.count(),
    ) == (0, 0, 1, events)
