"""Registrar imports against the demo data: results, actions, all-or-nothing, the command."""

import hashlib
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostkontor.contracts.models import Contract
from hostkontor.core.errors import FieldErrors
from hostkontor.core.models import AuditEvent
from hostkontor.customers.models import Customer
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.mapping import FieldSpec, Mapping, dump_mapping

from .conftest import SAMPLES, SAMPLES_DIR, sample_bytes
from .models import Domain, ReconciliationIgnore, Registrar, RegistrarImport
from .reconciliation import (
    reconciliation_action,
    registrar_import,
    registrar_import_file,
)
from .services import contract_billed_until

pytestmark = pytest.mark.django_db


def empty(registrar: str, records: int) -> dict:
    return {
        "registrar": registrar,
        "records": records,
        "missing_in_hostkontor": [],
        "missing_at_registrar": [],
        "expiry_mismatch": [],
        "status_mismatch": [],
        "unbilled": [],
        "ended_but_renewing": [],
    }


EXPECTED = {
    "joker": {
        **empty("joker", 6),
        "missing_in_hostkontor": [{"domain": "mueller-sanitaer.at", "expires": "2024-09-18"}],
        "missing_at_registrar": [{"domain": "dmmd.de", "customer_number": "K10001"}],
        "expiry_mismatch": [
            {"domain": "muster-gmbh.de", "ours": "2024-11-29", "registrar": "2024-11-30"}
        ],
        "status_mismatch": [
            {"domain": "alte-kampagne.eu", "ours": "expired", "registrar": "active"}
        ],
        "unbilled": [{"domain": "beispiel-agentur.de", "yearly_value": "12.00"}],
        "ended_but_renewing": [{"domain": "baeckerei-schmidt.de", "yearly_cost": "4.50"}],
    },
    "autodns": {
        **empty("autodns", 3),
        "missing_in_hostkontor": [{"domain": "beispiel-agentur.at", "expires": "2024-07-15"}],
        "missing_at_registrar": [{"domain": "agentur-nord.de", "customer_number": "K10010"}],
        "expiry_mismatch": [
            {"domain": "muster-gmbh.de", "ours": "2024-11-29", "registrar": "2024-11-30"}
        ],
    },
    "gandi": {
        **empty("gandi", 2),
        "missing_at_registrar": [{"domain": "kanzlei-weber.de", "customer_number": "K10005"}],
        "expiry_mismatch": [
            {"domain": "example-shop.de", "ours": "2025-03-02", "registrar": "2025-04-02"}
        ],
        "status_mismatch": [{"domain": "müller.de", "ours": "transfer_in", "registrar": "active"}],
        "unbilled": [{"domain": "müller.de", "yearly_value": "12.00"}],
    },
    "namecheap": {
        **empty("namecheap", 5),
        "missing_in_hostkontor": [{"domain": "baeckerei-schmidt.store", "expires": "2024-09-05"}],
        "missing_at_registrar": [{"domain": "hotel-alpenblick.com", "customer_number": "K10003"}],
        "status_mismatch": [
            {"domain": "alte-kampagne.info", "ours": "active", "registrar": "expired"}
        ],
        "unbilled": [{"domain": "muster-gmbh.net", "yearly_value": "18.00"}],
        "ended_but_renewing": [{"domain": "beispiel-agentur.io", "yearly_cost": "38.00"}],
    },
    "hexonet": {
        **empty("hexonet", 2),
        "missing_at_registrar": [
            {"domain": "alpenblick-hotels.ch", "customer_number": "K10003"},
            {"domain": "janssen-webdesign.nl", "customer_number": "K10004"},
        ],
        "expiry_mismatch": [
            {"domain": "example-shop.com", "ours": "2025-03-02", "registrar": "2025-03-03"},
            {"domain": "muster-gmbh.de", "ours": "2024-11-29", "registrar": "2024-11-18"},
        ],
    },
}


def do_import(fmt: str, apply: str | None = "none", registrar: str | None = None):
    return registrar_import(
        actor=None,
        registrar=registrar or fmt,
        data=sample_bytes(fmt),
        filename=SAMPLES[fmt],
        format=fmt,
        apply=apply,
    )


def domain_state() -> list[tuple]:
    """Everything an import may change about domains except the finding flags."""
    return list(
        Domain.objects.order_by("name").values_list(
            "name", "customer_id", "registrar", "expires", "status", "auto_renew", "handle"
        )
    )


def db_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            RegistrarImport,
            Domain,
            Contract,
            AuditEvent,
            Registrar,
            ReconciliationIgnore,
        )
    }


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_every_sample_reconciles_against_the_demo_data(demo, fmt):
    # when the sample list of the registrar is imported
    imp = do_import(fmt)
    # then the stored result is exactly the expected reconciliation
    assert imp.result == EXPECTED[fmt]
    assert (imp.registrar, imp.format, imp.records, imp.apply, imp.applied) == (
        fmt,
        fmt,
        EXPECTED[fmt]["records"],
        "none",
        [],
    )
    assert registrar_import_file(imp) == sample_bytes(fmt)
    assert imp.sha256 == hashlib.sha256(sample_bytes(fmt)).hexdigest()


def test_the_stored_file_is_encrypted_because_exports_contain_auth_codes(demo):
    imp = do_import("hexonet")
    assert b"Xq7:mT2pLw9e" in sample_bytes("hexonet")
    stored = bytes(imp.data)
    assert stored.startswith(b"v1:test:")
    assert b"Xq7:mT2pLw9e" not in stored and b"DOMAINAUTH" not in stored
    assert registrar_import_file(imp) == sample_bytes("hexonet")


def test_the_demo_data_shows_every_kind_of_difference_for_joker(demo):
    result = do_import("joker").result
    assert [kind for kind, items in result.items() if isinstance(items, list) and items] == [
        "missing_in_hostkontor",
        "missing_at_registrar",
        "expiry_mismatch",
        "status_mismatch",
        "unbilled",
        "ended_but_renewing",
    ]


def test_findings_are_flagged_on_the_domains_and_cleared_by_the_next_import(demo):
    do_import("joker")
    flagged = dict(Domain.objects.exclude(issues="").values_list("name", "issues"))
    assert flagged == {
        "alte-kampagne.eu": "status_mismatch",
        "baeckerei-schmidt.de": "ended_but_renewing",
        "beispiel-agentur.de": "unbilled",
        "dmmd.de": "missing_at_registrar",
        "muster-gmbh.de": "expiry_mismatch",
    }
    # when joker's next list contains only dmmd.de, correct
    registrar_import(
        actor=None,
        registrar="joker",
        data=b"dmmd.de 2025-05-01 lock,autorenew\n",
        filename="joker2.txt",
        format="joker",
    )
    # then joker's active domains missing from it are flagged, nothing else
    assert dict(Domain.objects.exclude(issues="").values_list("name", "issues")) == {
        "baeckerei-schmidt.de": "missing_at_registrar",
        "beispiel-agentur.de": "missing_at_registrar",
        "example-shop.de": "missing_at_registrar",
        "muster-gmbh.de": "missing_at_registrar",
    }


def test_apply_safe_takes_over_expiry_dates_of_own_domains_only_and_is_idempotent(demo):
    # when the joker and the gandi lists are imported with --apply safe
    first = do_import("joker", apply="safe")
    gandi = do_import("gandi", apply="safe")
    # then joker's domain got joker's date; example-shop.de (held at joker) kept its date
    expires = dict(Domain.objects.values_list("name", "expires"))
    assert expires["muster-gmbh.de"] == date(2024, 11, 30)
    assert expires["example-shop.de"] == date(2025, 3, 2)
    assert [(a["kind"], a["domain"], a["action"], a["detail"]) for a in first.applied] == [
        ("expiry_mismatch", "muster-gmbh.de", "apply", "2024-11-30")
    ]
    assert gandi.applied == []
    # and the result still reports what was found
    assert first.result == EXPECTED["joker"]
    # when the same file is imported again, nothing is left to apply and nothing changes
    before = domain_state()
    again = do_import("joker", apply="safe")
    assert again.result["expiry_mismatch"] == []
    assert again.applied == []
    assert domain_state() == before


def test_the_registrars_setting_applies_safe_differences_without_the_option(demo):
    Registrar.objects.filter(name="joker").update(auto_apply_safe=True)
    imp = do_import("joker", apply=None)
    assert imp.apply == "safe"
    assert Domain.objects.get(name="muster-gmbh.de").expires == date(2024, 11, 30)
    # an explicit "none" wins over the setting
    Domain.objects.filter(name="muster-gmbh.de").update(expires=date(2024, 1, 1))
    assert do_import("joker", apply="none").applied == []
    assert Domain.objects.get(name="muster-gmbh.de").expires == date(2024, 1, 1)


def test_a_malformed_file_is_rejected_with_its_location_and_changes_nothing(demo):
    before, state = db_counts(), domain_state()
    data = sample_bytes("joker").replace(
        b"beispiel-agentur.de 2024-07-15", b"beispiel-agentur.de 2024-13-15"
    )
    with pytest.raises(ImportFormatError) as excinfo:
        registrar_import(
            actor=None,
            registrar="joker",
            data=data,
            filename="joker.txt",
            format="joker",
            apply="safe",
        )
    assert str(excinfo.value) == (
        "joker.txt, line 9, field 'expires': '2024-13-15' is not a date in format yyyy-mm-dd"
    )
    assert (db_counts(), domain_state()) == (before, state)


def test_ignored_differences_are_left_out_of_later_imports(demo):
    imp = do_import("joker")
    reconciliation_action(
        actor=None,
        registrar_import=imp,
        kind="unbilled",
        domain="beispiel-agentur.de",
        action="ignore",
    )
    assert list(ReconciliationIgnore.objects.values_list("registrar", "domain", "kind")) == [
        ("joker", "beispiel-agentur.de", "unbilled")
    ]
    later = do_import("joker")
    assert later.result == {**EXPECTED["joker"], "unbilled": []}
    assert later.ignored == [{"kind": "unbilled", "domain": "beispiel-agentur.de"}]
    # other registrars' imports are not affected
    assert ReconciliationIgnore.objects.filter(registrar="namecheap").count() == 0


def test_create_a_domain_with_contract_for_a_chosen_customer(demo):
    imp = do_import("joker")
    customer = Customer.objects.get(number="K10002")
    entry = reconciliation_action(
        actor=None,
        registrar_import=imp,
        kind="missing_in_hostkontor",
        domain="mueller-sanitaer.at",
        action="create",
        customer=customer,
        on=date(2026, 2, 1),
    )
    domain = Domain.objects.get(name="mueller-sanitaer.at")
    assert (domain.customer, domain.registrar, domain.expires, domain.status) == (
        customer,
        "joker",
        date(2024, 9, 18),
        "active",
    )
    assert list(domain.contracts.values_list("start", "fee", "fee_unit")) == [
        (date(2026, 2, 1), Decimal("24.00"), "year")
    ]
    assert (entry["action"], entry["detail"]) == ("create", "K10002")
    # the same difference cannot be handled twice
    with pytest.raises(FieldErrors):
        reconciliation_action(
            actor=None,
            registrar_import=imp,
            kind="missing_in_hostkontor",
            domain="mueller-sanitaer.at",
            action="create",
            customer=customer,
        )
    assert Domain.objects.filter(name="mueller-sanitaer.at").count() == 1


def test_create_needs_a_customer(demo):
    imp = do_import("joker")
    with pytest.raises(FieldErrors) as excinfo:
        reconciliation_action(
            actor=None,
            registrar_import=imp,
            kind="missing_in_hostkontor",
            domain="mueller-sanitaer.at",
            action="create",
        )
    assert list(excinfo.value.errors) == ["customer"]
    assert not Domain.objects.filter(name="mueller-sanitaer.at").exists()


def test_an_unbilled_domain_gets_a_contract_and_its_flag_is_cleared(demo):
    imp = do_import("joker")
    reconciliation_action(
        actor=None,
        registrar_import=imp,
        kind="unbilled",
        domain="beispiel-agentur.de",
        action="create",
        on=date(2026, 12, 1),
    )
    domain = Domain.objects.get(name="beispiel-agentur.de")
    assert list(domain.contracts.values_list("customer__number", "start", "fee")) == [
        ("K10007", date(2026, 12, 1), Decimal("12.00"))
    ]
    assert domain.issues == ""
    imp.refresh_from_db()
    assert [(a["kind"], a["domain"], a["action"]) for a in imp.applied] == [
        ("unbilled", "beispiel-agentur.de", "create")
    ]


def test_end_the_contract_of_a_domain_gone_at_the_registrar_keeps_the_paid_period(demo):
    # given dmmd.de's contract is billed until the end of its current year
    contract = Contract.objects.get(domains__name="dmmd.de")
    paid_until = contract_billed_until(contract)
    assert paid_until is not None
    imp = do_import("joker")
    # when its contract is ended today
    reconciliation_action(
        actor=None,
        registrar_import=imp,
        kind="missing_at_registrar",
        domain="dmmd.de",
        action="end",
        on=date(2026, 11, 1),
    )
    # then it ends when the paid period ends, not earlier
    contract.refresh_from_db()
    assert contract.end == max(paid_until, date(2026, 11, 1))


def test_apply_takes_over_status_and_expiry_and_marks_missing_domains_deleted(demo):
    imp = do_import("joker")
    for kind, domain in [
        ("status_mismatch", "alte-kampagne.eu"),
        ("expiry_mismatch", "muster-gmbh.de"),
        ("missing_at_registrar", "dmmd.de"),
    ]:
        reconciliation_action(
            actor=None, registrar_import=imp, kind=kind, domain=domain, action="apply"
        )
    values = {
        name: (status, expires)
        for name, status, expires in Domain.objects.filter(
            name__in=["alte-kampagne.eu", "muster-gmbh.de", "dmmd.de"]
        ).values_list("name", "status", "expires")
    }
    assert values == {
        "alte-kampagne.eu": ("active", date(2024, 6, 1)),
        "muster-gmbh.de": ("active", date(2024, 11, 30)),
        "dmmd.de": ("deleted", date(2025, 5, 1)),
    }
    assert AuditEvent.objects.filter(action="domain.registrar_data_applied").count() == 3


def test_actions_that_do_not_fit_are_refused(demo):
    imp = do_import("joker")
    with pytest.raises(FieldErrors) as wrong_action:
        reconciliation_action(
            actor=None,
            registrar_import=imp,
            kind="expiry_mismatch",
            domain="muster-gmbh.de",
            action="end",
        )
    with pytest.raises(FieldErrors) as not_listed:
        reconciliation_action(
            actor=None,
            registrar_import=imp,
            kind="expiry_mismatch",
            domain="dmmd.de",
            action="apply",
        )
    assert list(wrong_action.value.errors) == ["action"]
    assert list(not_listed.value.errors) == ["domain"]


# The command -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_command_prints_the_reconciliation_as_json(demo, fmt):
    out = StringIO()
    call_command(
        "import_registrar",
        str(SAMPLES_DIR / SAMPLES[fmt]),
        registrar=fmt,
        input_format=fmt,
        format="json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == EXPECTED[fmt]
    assert list(json.loads(out.getvalue())) == list(EXPECTED[fmt])  # key order as documented


def test_command_with_a_mapping_file(demo, tmp_path):
    # given a mapping for a semicolon CSV with German dates, written as TOML
    mapping = Mapping(
        kind="csv",
        delimiter=";",
        encoding="iso-8859-1",
        fields=(
            FieldSpec("domain", "Domain", required=True),
            FieldSpec("expires", "Ablauf", type="date", format="dd.mm.yyyy"),
        ),
    )
    (tmp_path / "regfish.toml").write_text(dump_mapping(mapping), encoding="utf-8")
    (tmp_path / "regfish.csv").write_bytes(
        "Domain;Ablauf\nmüller.de;17.11.2024\nneu-kunde.de;01.02.2027\n".encode("iso-8859-1")
    )
    out = StringIO()
    call_command(
        "import_registrar",
        str(tmp_path / "regfish.csv"),
        registrar="regfish",
        mapping_file=str(tmp_path / "regfish.toml"),
        format="json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == {
        **empty("regfish", 2),
        "missing_in_hostkontor": [{"domain": "neu-kunde.de", "expires": "2027-02-01"}],
    }


def test_command_rejects_a_bad_file_with_file_line_and_field(demo, tmp_path):
    bad = tmp_path / "joker.txt"
    bad.write_bytes(sample_bytes("joker").replace(b"2024-11-30", b"30.11.2024"))
    before = db_counts()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_registrar", str(bad), registrar="joker", input_format="joker", apply="safe"
        )
    assert str(excinfo.value) == (
        f"nothing imported:\n{bad}, line 8, field 'expires': '30.11.2024' is not a date in "
        "format yyyy-mm-dd"
    )
    assert excinfo.value.returncode != 0
    assert db_counts() == before


def test_command_text_output_lists_the_differences(demo):
    out = StringIO()
    call_command(
        "import_registrar",
        str(SAMPLES_DIR / SAMPLES["gandi"]),
        registrar="gandi",
        input_format="gandi",
        stdout=out,
    )
    text = out.getvalue()
    assert text.startswith("gandi: 2 records, import #")
    assert "  müller.de  ours=transfer_in, registrar=active\n" in text


def joker_without_records() -> bytes:
    """Joker's answer with its headers but no domain line (what a failed export looks like)."""
    return sample_bytes("joker").split(b"\n\n", 1)[0] + b"\n\n"


def test_command_rejects_a_file_without_records_naming_the_file(demo, tmp_path):
    # given a joker list with no records at all
    empty_file = tmp_path / "joker-empty.txt"
    empty_file.write_bytes(joker_without_records())
    before, flags = db_counts(), list(Domain.objects.exclude(issues="").values_list("name"))
    # when it is imported without --allow-empty
    with pytest.raises(CommandError) as excinfo:
        call_command("import_registrar", str(empty_file), registrar="joker", input_format="joker")
    # then it is refused with the file named, and nothing is stored or flagged
    assert str(excinfo.value) == (
        f"nothing imported:\n{empty_file}: the file contains no domain records; importing it would mark every "
        "domain of this registrar as missing at the registrar (confirm an empty list with "
        "--allow-empty or the checkbox of the upload form)"
    )
    assert db_counts() == before
    assert list(Domain.objects.exclude(issues="").values_list("name")) == flags


def test_command_with_allow_empty_marks_every_domain_of_the_registrar_missing(demo, tmp_path):
    # given the same empty joker list
    empty_file = tmp_path / "joker-empty.txt"
    empty_file.write_bytes(joker_without_records())
    joker_domains = list(
        Domain.objects.filter(registrar="joker", status="active")
        .order_by("name")
        .values_list("name", flat=True)
    )
    # when it is imported with --allow-empty
    out = StringIO()
    call_command(
        "import_registrar",
        str(empty_file),
        registrar="joker",
        input_format="joker",
        allow_empty=True,
        format="json",
        stdout=out,
    )
    # then every active joker domain is reported missing at the registrar
    result = json.loads(out.getvalue())
    assert result["records"] == 0
    assert [item["domain"] for item in result["missing_at_registrar"]] == joker_domains
    assert len(joker_domains) == 5


# Fuzzing: all-or-nothing ---------------------------------------------------------------------

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def import_or_format_error(fmt: str, data: bytes) -> None:
    """Only ImportFormatError may escape; a failed import changes nothing, a successful one
    stores exactly one import and changes no domain (apply none)."""
    before, state = db_counts(), domain_state()
    try:
        registrar_import(
            actor=None, registrar=fmt, data=data, filename="fuzz", format=fmt, apply="none"
        )
    except ImportFormatError as error:
        assert str(error).startswith("fuzz")
        assert (db_counts(), domain_state()) == (before, state)
    else:
        after = db_counts()
        assert after["RegistrarImport"] == before["RegistrarImport"] + 1
        assert domain_state() == state


@pytest.mark.parametrize("fmt", list(SAMPLES))
@FUZZ
@given(cut=st.integers(min_value=0, max_value=5000))
def test_truncated_samples_never_crash_the_import_nor_change_data(demo, fmt, cut):
    data = sample_bytes(fmt)
    import_or_format_error(fmt, data[: cut % (len(data) + 1)])


@pytest.mark.parametrize("fmt", list(SAMPLES))
@FUZZ
@given(position=st.integers(min_value=0), replacement=st.binary(max_size=4))
def test_mutated_samples_never_crash_the_import_nor_change_data(demo, fmt, position, replacement):
    data = sample_bytes(fmt)
    at = position % len(data)
    import_or_format_error(fmt, data[:at] + replacement + data[at + 1 :])


def test_the_demo_after_the_contracts_demo_still_shows_every_kind_for_joker(db):
    # given the full demo order: customers, contracts (creates dmmd.de), then domains
    from hostkontor.contracts import demo as contracts_demo
    from hostkontor.customers import demo as customers_demo
    from hostkontor.domains import demo as domains_demo

    customers_demo.build()
    contracts_demo.build()
    domains_demo.build()
    assert domains_demo.build() == 0  # idempotent
    dmmd = Domain.objects.get(name="dmmd.de")
    assert (dmmd.registrar, dmmd.customer.number) == ("joker", "K10001")
    # then the joker sample shows the same reconciliation
    assert do_import("joker").result == EXPECTED["joker"]


def test_key_rotation_covers_auth_codes_and_stored_import_files(demo, monkeypatch):
    import base64 as b64

    from hostkontor.vault.keys import get_keyring

    from .services import DomainData, domain_auth_code, domain_create

    # given an auth code and a stored import file under the test key
    customer = Customer.objects.get(number="K10001")
    domain = domain_create(
        actor=None,
        customer=customer,
        data=DomainData(name="rotation-test.de"),
        auth_code="Ab9:Zz8-Yy7",
    )
    imp = do_import("hexonet")
    old, new = (
        "test:" + b64.b64encode(b"k" * 32).decode(),
        "next:" + b64.b64encode(b"n" * 32).decode(),
    )
    # when a new key becomes current and the vault keys are rotated
    monkeypatch.setenv("HOSTKONTOR_VAULT_KEYS", f"{new},{old}")
    get_keyring.cache_clear()
    out = StringIO()
    call_command("rotate_vault_keys", stdout=out)
    # then both were re-encrypted, and stay readable once the old key is gone
    assert "domains.Domain.auth_code_token: 1 rotated" in out.getvalue()
    assert "domains.RegistrarImport.data: 1 rotated" in out.getvalue()
    monkeypatch.setenv("HOSTKONTOR_VAULT_KEYS", new)
    get_keyring.cache_clear()
    domain.refresh_from_db()
    imp.refresh_from_db()
    assert domain_auth_code(domain).reveal() == "Ab9:Zz8-Yy7"
    assert registrar_import_file(imp) == sample_bytes("hexonet")
