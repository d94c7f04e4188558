from contextlib import chdir

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from hostkontor.core.models import AuditEvent
from hostkontor.imports.csv_table import ImportErrors

from .csv_import import customers_import
from .models import Customer
from .services import CustomerData, customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    # import errors are compared word for word; the command itself prints English
    with translation.override("en"):
        yield


HEADER = "customer_number,company,street,zip,city,country,email,vat_id,language\n"


def test_utf8_bom_and_semicolons_create_customers():
    # given a BOM-prefixed, semicolon separated file with umlauts
    data = (
        "\ufeffcustomer_number;company;street;zip;city;country;email;vat_id;language\n"
        "K20001;Bäckerei Größe GmbH;Am Markt 1;49176;Hilter;DE;info@groesse.de;DE136695976;de\n"
        "K20002;Janssen B.V.;Keizersgracht 1;1015;Amsterdam;NL;b@janssen.example;NL004495445B01;en\n"
    ).encode()
    # when imported
    result = customers_import(actor=None, data=data, filename="kunden.csv")
    # then both exist with derived tax treatment
    assert (result.created, result.updated) == (2, 0)
    baecker = Customer.objects.get(number="K20001")
    assert (baecker.company, baecker.city, baecker.tax_treatment) == (
        "Bäckerei Größe GmbH",
        "Hilter",
        "domestic",
    )
    assert Customer.objects.get(number="K20002").tax_treatment == "eu_reverse_charge"


def test_rows_update_by_customer_number_and_reimport_changes_nothing():
    customer_create(
        actor=None, data=CustomerData(company="Alt GmbH", city="Melle", phone="0541 1"), number="K1"
    )
    data = (HEADER + "K1,Neu GmbH,Weg 2,49324,Melle,DE,neu@example.com,,de\n").encode()
    first = customers_import(actor=None, data=data, filename="k.csv")
    second = customers_import(actor=None, data=data, filename="k.csv")
    customer = Customer.objects.get(number="K1")
    assert (first.updated, second.updated, second.unchanged) == (1, 0, 1)
    # columns the file does not have keep their values
    assert (customer.company, customer.phone) == ("Neu GmbH", "0541 1")


def test_a_bad_row_saves_nothing_and_names_line_and_field():
    # given a file whose third line has an unknown country and fourth an invalid VAT id
    data = (
        HEADER
        + "K1,Gut GmbH,,,,DE,,,de\n"
        + "K2,Schlecht GmbH,,,,XX,,,de\n"
        + "K3,Auch Schlecht,,,,DE,,DE136695977,de\n"
    ).encode()
    # when imported
    with pytest.raises(ImportErrors) as raised:
        customers_import(actor=None, data=data, filename="kunden.csv")
    # then nothing is saved and each problem names file, line and field
    assert Customer.objects.count() == 0
    messages = [str(e) for e in raised.value.errors]
    assert (
        messages[0] == "kunden.csv, line 3, field 'country': 'XX' is not an ISO 3166 country code"
    )
    assert messages[1].startswith(
        "kunden.csv, line 4, field 'vat_id': DE136695977 is not a valid VAT id"
    )


def test_missing_columns_wrong_field_count_and_encoding_are_reported():
    with pytest.raises(ImportErrors) as raised:
        customers_import(actor=None, data=b"customer_number,company\nK1,X\n", filename="a.csv")
    assert (
        str(raised.value.errors[0])
        == "a.csv, line 1, field 'street': column is missing from the header"
    )
    with pytest.raises(ImportErrors) as raised:
        customers_import(actor=None, data=(HEADER + "K1,X,,,\n").encode(), filename="b.csv")
    assert (
        str(raised.value.errors[0])
        == "b.csv, line 2, field '(row)': has 5 fields, the header has 9"
    )
    with pytest.raises(ImportErrors) as raised:
        customers_import(
            actor=None, data=HEADER.encode() + b"K1,M\xfcller,,,,DE,,,de\n", filename="c.csv"
        )
    assert str(raised.value.errors[0]).startswith("c.csv, line 2, field '(encoding)'")


def test_duplicate_numbers_in_one_file_are_refused():
    data = (HEADER + "K1,A,,,,DE,,,de\nK1,B,,,,DE,,,de\n").encode()
    with pytest.raises(ImportErrors) as raised:
        customers_import(actor=None, data=data, filename="d.csv")
    assert (
        str(raised.value.errors[0])
        == "d.csv, line 3, field 'customer_number': K1 appears on line 2 too"
    )


def test_command_exits_non_zero_and_saves_nothing_on_bad_input(tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_text(HEADER + "K1,Gut,,,,DE,,,de\nK2,,,,,DE,,,xx\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_customers", str(path))
    assert "kunden.csv, line 3, field 'company': is required" in str(raised.value)
    assert "kunden.csv, line 3, field 'language'" in str(raised.value)
    assert Customer.objects.count() == 0


def test_command_imports_a_good_file(tmp_path, capsys):
    path = tmp_path / "kunden.csv"
    path.write_text(HEADER + "K1,Gut GmbH,,,,DE,,,de\n", encoding="utf-8")
    call_command("import_customers", str(path))
    assert capsys.readouterr().out.strip() == "kunden.csv: 1 created, 0 updated, 0 unchanged"


def test_a_too_long_cell_is_an_error_naming_line_and_field_and_saves_nothing(tmp_path):
    # given a file whose second row has a 100,000-character company name, a customer number
    # and a ZIP code longer than their database columns
    path = tmp_path / "kunden.csv"
    path.write_text(
        HEADER + "K1,Gut GmbH,,,,DE,,,de\n" + f"K{'2' * 32},{'x' * 100_000},,{'4' * 21},,DE,,,de\n",
        encoding="utf-8",
    )
    # when imported through the command
    with pytest.raises(CommandError) as raised:
        with chdir(tmp_path):  # the user types the name as the error shows it
            call_command("import_customers", "kunden.csv")
    # then each is reported with the limit read from the model, and nothing is saved
    assert str(raised.value) == (
        "nothing imported:\n"
        "kunden.csv, line 3, field 'customer_number': is 33 characters long, at most 32 are allowed\n"
        "kunden.csv, line 3, field 'company': is 100,000 characters long, at most 200 are allowed\n"
        "kunden.csv, line 3, field 'zip': is 21 characters long, at most 20 are allowed"
    )
    assert Customer.objects.count() == 0


def test_a_column_named_twice_is_refused_naming_both(tmp_path):
    # given a header with a second "Email" column (which cell would count is a guess)
    path = tmp_path / "kunden.csv"
    path.write_text(
        HEADER.strip() + ",Email\nK1,Gut GmbH,,,,DE,a@gut.example,,de,b@gut.example\n",
        encoding="utf-8",
    )
    # when imported
    with pytest.raises(CommandError) as raised:
        with chdir(tmp_path):  # the user types the name as the error shows it
            call_command("import_customers", "kunden.csv")
    # then the header is refused and nothing is saved
    assert str(raised.value) == (
        "nothing imported:\nkunden.csv, line 1: column 'email' appears twice (columns 7 and 10)"
    )
    assert Customer.objects.count() == 0


def _rows(count: int, *, city: str = "Hilter") -> str:
    return "".join(
        f"K{i:05d},Firma {i} GmbH,Weg {i},49176,{city},DE,info{i}@firma.example,,de\n"
        for i in range(count)
    )


def test_a_file_of_several_batches_creates_updates_and_audits_like_the_services(tmp_path, capsys):
    # given three stored customers: one the file changes, one it changes nothing of, one it
    # changes and that has a phone number the file has no column for
    customer_create(actor=None, data=CustomerData(company="Alt", city="Melle"), number="K00010")
    customer_create(
        actor=None,
        data=CustomerData(
            company="Firma 1500 GmbH",
            street="Weg 1500",
            zip_code="49176",
            city="Hilter",
            email="info1500@firma.example",
        ),
        number="K01500",
    )
    customer_create(actor=None, data=CustomerData(company="X", phone="0541 1"), number="K02400")
    # and the event the create service writes for a customer like those of the file
    reference = customer_create(
        actor=None,
        data=CustomerData(
            company="Firma 7 GmbH",
            street="Weg 7",
            zip_code="49176",
            city="Hilter",
            email="info7@firma.example",
        ),
        number="R7",
    )
    path = tmp_path / "kunden.csv"
    path.write_text(HEADER + _rows(2500), encoding="utf-8")
    # when 2,500 rows (three batches) are imported
    with CaptureQueriesContext(connection) as queries:
        call_command("import_customers", str(path))
    # then the counts are right, with a fixed number of queries per batch
    assert capsys.readouterr().out == "kunden.csv: 2497 created, 2 updated, 1 unchanged\n"
    assert len(queries) <= 25
    assert Customer.objects.count() == 2500 + 1
    # every created customer has one event equal to the service's, every changed one too
    events = AuditEvent.objects.filter(object_type="customers.customer")
    assert events.filter(action="customer.created").count() == 2497 + 4
    created = Customer.objects.get(number="K00007")
    event = events.get(action="customer.created", object_id=str(created.pk))
    expected = events.get(action="customer.created", object_id=str(reference.pk)).changes
    assert (event.customer_id, event.actor_name, event.object_repr) == (
        created.pk,
        "system",
        "K00007 Firma 7 GmbH",
    )
    assert event.changes == expected  # the same data, the same recorded change
    updated = events.filter(action="customer.updated").order_by("object_repr")
    assert [(e.object_repr, e.changes) for e in updated] == [
        (
            "K00010 Firma 10 GmbH",
            {
                "city": ["Melle", "Hilter"],
                "company": ["Alt", "Firma 10 GmbH"],
                "email": ["", "info10@firma.example"],
                "street": ["", "Weg 10"],
                "zip_code": ["", "49176"],
            },
        ),
        (
            "K02400 Firma 2400 GmbH",
            {
                "city": ["", "Hilter"],
                "company": ["X", "Firma 2400 GmbH"],
                "email": ["", "info2400@firma.example"],
                "street": ["", "Weg 2400"],
                "zip_code": ["", "49176"],
            },
        ),
    ]
    # columns the file does not have keep their values; changed rows carry a new updated_at
    kept = Customer.objects.get(number="K02400")
    assert (kept.phone, kept.tax_treatment, kept.updated_at > kept.created_at) == (
        "0541 1",
        "domestic",
        True,
    )


def test_an_error_on_the_last_line_of_a_large_file_saves_nothing(tmp_path):
    # given 2,500 good rows (two batches already written) and a bad country on the last line
    path = tmp_path / "kunden.csv"
    path.write_text(HEADER + _rows(2500) + "K99999,Letzte GmbH,,,,XX,,,de\n", encoding="utf-8")
    # when imported
    with pytest.raises(CommandError) as raised:
        with chdir(tmp_path):  # the user types the name as the error shows it
            call_command("import_customers", "kunden.csv")
    # then the error names the last line, and no customer and no audit event is stored
    assert str(raised.value) == (
        "nothing imported:\n"
        "kunden.csv, line 2502, field 'country': 'XX' is not an ISO 3166 country code"
    )
    assert (Customer.objects.count(), AuditEvent.objects.count()) == (0, 0)
