import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

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
