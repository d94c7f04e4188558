"""The seller profile from the command line, and the seller's country from the profile."""

import pytest
from django.core.management import CommandError, call_command

from hostkontor.core.models import AuditEvent
from hostkontor.customers.services import CustomerData, customer_create

from .models import SellerProfile

pytestmark = pytest.mark.django_db

COMPLETE = """\
company = "Agentur Kahl GmbH"
street = "Am Bahnhof 3"
zip = "49176"
city = "Hilter"
country = "DE"
vat_id = "DE 136 695 976"
tax_number = "66/201/12345"
register_court = "Amtsgericht Osnabrück"
register_number = "HRB 12345"
managing_directors = ["Sönke Kahl", "Eva Kahl"]
email = "rechnung@kahl.example"
phone = "+49 5424 1234-0"
bank = "Sparkasse Osnabrück"
iban = "DE02 1203 0000 0000 2020 51"
bic = "BYLADEM1001"
"""


def test_the_command_sets_every_documented_key_and_says_the_profile_is_complete(tmp_path, capsys):
    # given a TOML file with every documented key
    path = tmp_path / "seller.toml"
    path.write_text(COMPLETE, encoding="utf-8")
    # when the command reads it
    call_command("seller_profile", "--file", str(path))
    # then the profile holds the normalised values, the change is audited, nothing is missing
    profile = SellerProfile.current()
    assert (
        profile.company,
        profile.zip_code,
        profile.vat_id,
        profile.iban,
        profile.bank_name,
        profile.register_court,
        profile.register_number,
        profile.managing_directors,
    ) == (
        "Agentur Kahl GmbH",
        "49176",
        "DE136695976",
        "DE02120300000000202051",
        "Sparkasse Osnabrück",
        "Amtsgericht Osnabrück",
        "HRB 12345",
        "Sönke Kahl, Eva Kahl",
    )
    out = capsys.readouterr().out
    assert "complete for issuing" in out and "missing for issuing" not in out
    event = AuditEvent.objects.get(action="seller_profile.updated")
    assert event.changes["iban"] == ["", "DE02120300000000202051"]
    assert event.changes["source"] == ["", str(path)]


def test_a_bad_value_names_file_and_key_and_changes_nothing(tmp_path):
    # given a file whose IBAN has a wrong checksum and whose VAT id is not Austrian
    path = tmp_path / "seller.toml"
    path.write_text(
        'company = "Agentur Kahl GmbH"\ncountry = "AT"\nvat_id = "DE136695976"\n'
        'iban = "DE02120300000000202052"\n',
        encoding="utf-8",
    )
    # when the command reads it
    with pytest.raises(CommandError) as error:
        call_command("seller_profile", "--file", str(path))
    # then each bad key is named with the file, and not even the good company was saved
    lines = str(error.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"{path}, key 'vat_id'",
        f"{path}, key 'iban'",
    ]
    assert "IBAN" in lines[1]
    assert SellerProfile.current().company == ""


def test_unknown_keys_and_broken_files_are_refused(tmp_path):
    path = tmp_path / "seller.toml"
    path.write_text('company = "X"\nregister = "HRB 1"\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"key 'register': unknown key"):
        call_command("seller_profile", "--file", str(path))
    path.write_text("company = \n", encoding="utf-8")
    with pytest.raises(CommandError, match=str(path)):
        call_command("seller_profile", "--file", str(path))
    assert SellerProfile.current().company == ""


def test_without_file_the_command_prints_the_profile_and_what_is_missing(capsys):
    call_command("seller_profile")
    out = capsys.readouterr().out
    assert "company = ''" in out
    assert (
        "missing for issuing: company, street, ZIP code, city, tax number or VAT id, "
        "IBAN (invoices are paid by bank transfer)"
    ) in out


def test_the_sellers_country_comes_from_the_profile_and_a_change_rederives_customers(
    tmp_path, settings
):
    # given an environment saying DE but an Austrian seller profile
    settings.SELLER_COUNTRY = "DE"
    path = tmp_path / "seller.toml"
    path.write_text('country = "AT"\n', encoding="utf-8")
    call_command("seller_profile", "--file", str(path))
    # when customers are created
    viennese = customer_create(
        actor=None,
        data=CustomerData(company="Wien GmbH", country="AT", vat_id="ATU13585627"),
    )
    german = customer_create(
        actor=None,
        data=CustomerData(company="Hilter GmbH", country="DE", vat_id="DE136695976"),
    )
    # then the Austrian business is domestic, the German business reverse charge
    assert (viennese.tax_treatment, german.tax_treatment) == ("domestic", "eu_reverse_charge")
    # and when the seller moves back to Germany, every customer's treatment follows
    path.write_text('country = "DE"\n', encoding="utf-8")
    call_command("seller_profile", "--file", str(path))
    viennese.refresh_from_db()
    german.refresh_from_db()
    assert (viennese.tax_treatment, german.tax_treatment) == ("eu_reverse_charge", "domestic")
    assert AuditEvent.objects.filter(action="seller_profile.updated").order_by("pk").last().changes[
        "customers_rederived"
    ] == ["", "2"]


def test_the_migration_splits_the_register_and_forgets_the_placeholder():
    from importlib import import_module

    migration = import_module("hostkontor.billing.migrations.0005_issue_rules")
    match = migration.REGISTER.match("Amtsgericht Osnabrück HRB 12345")
    assert (match["court"].strip(), match["number"]) == ("Amtsgericht Osnabrück", "HRB 12345")
    match = migration.REGISTER.match("AG Berlin-Charlottenburg, HRB 1234 B")
    assert (match["court"].strip(), match["number"]) == ("AG Berlin-Charlottenburg", "HRB 1234 B")
    assert migration.REGISTER.match("Vereinsregister 17") is None
