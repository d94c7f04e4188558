"""Reconciliation of a registrar list with our domains."""

import json
from datetime import date
from decimal import Decimal

from hostkontor.domains.parsers.reconcile import (
    EndedButRenewing,
    ExpiryMismatch,
    MissingAtRegistrar,
    MissingInHostkontor,
    OurDomain,
    StatusMismatch,
    Unbilled,
    reconcile,
)
from hostkontor.domains.parsers.records import RegistrarRecord
from hostkontor.domains.parsers.status import DomainStatus


def rec(
    domain,
    expires=date(2026, 1, 1),
    status=DomainStatus.ACTIVE,
    auto_renew=True,
    ascii_name=None,
):
    return RegistrarRecord(
        domain=domain,
        domain_ascii=ascii_name or domain,
        expires=expires,
        registered_on=None,
        status=status,
        raw_status="",
        auto_renew=auto_renew,
        handle=None,
        location="line 1",
    )


def ours(
    domain,
    customer="K-1",
    registrar="joker",
    expires=date(2026, 1, 1),
    status="active",
    running=True,
    ended=False,
    price=Decimal("12"),
    cost=Decimal("8.5"),
):
    return OurDomain(domain, customer, registrar, expires, status, running, ended, price, cost)


def test_a_matching_domain_produces_no_findings():
    result = reconcile("joker", [rec("a.de")], [ours("a.de")])
    assert result.to_json_dict() == {
        "registrar": "joker",
        "records": 1,
        "missing_in_hostkontor": [],
        "missing_at_registrar": [],
        "expiry_mismatch": [],
        "status_mismatch": [],
        "unbilled": [],
        "ended_but_renewing": [],
    }


def test_missing_in_hostkontor_sorted_by_unicode_domain():
    # given registrar domains we do not know at all (one only at another registrar is known)
    records = [
        rec("zeta.de", date(2025, 5, 1)),
        rec("änderung.de", None, ascii_name="xn--nderung-cxa.de"),
        rec("alpha.de"),
        rec("known.de"),
    ]
    result = reconcile("joker", records, [ours("known.de", registrar="autodns")])
    # then exactly the unknown ones are listed, sorted by Unicode name
    assert result.missing_in_hostkontor == (
        MissingInHostkontor("alpha.de", date(2026, 1, 1)),
        MissingInHostkontor("zeta.de", date(2025, 5, 1)),
        MissingInHostkontor("änderung.de", None),
    )
    assert result.to_json_dict()["missing_in_hostkontor"] == [
        {"domain": "alpha.de", "expires": "2026-01-01"},
        {"domain": "zeta.de", "expires": "2025-05-01"},
        {"domain": "änderung.de", "expires": None},
    ]


def test_missing_at_registrar_only_our_active_domains_of_that_registrar():
    our = [
        ours("b.de", customer="K-2"),
        ours("a.de", customer="K-1"),
        ours("gone.de", status="deleted"),
        ours("other.de", registrar="autodns"),
        ours("Müller.de", customer="K-3", registrar="Joker"),
        ours("listed.de"),
    ]
    result = reconcile("joker", [rec("listed.de")], our)
    assert result.missing_at_registrar == (
        MissingAtRegistrar("a.de", "K-1"),
        MissingAtRegistrar("b.de", "K-2"),
        MissingAtRegistrar("müller.de", "K-3"),
    )


def test_idn_in_either_form_is_joined():
    # given the registrar lists punycode-derived names and we stored the Unicode form
    records = [rec("müller.de", ascii_name="xn--mller-kva.de")]
    result = reconcile("gandi", records, [ours("MÜLLER.de", registrar="gandi")])
    # then nothing is missing on either side
    assert (result.missing_in_hostkontor, result.missing_at_registrar) == ((), ())


def test_expiry_mismatch():
    records = [
        rec("b.de", expires=date(2026, 2, 1)),
        rec("a.de", expires=date(2026, 3, 1)),
        rec("same.de", expires=date(2026, 1, 1)),
        rec("noinfo.de", expires=None),
    ]
    our = [
        ours("a.de", expires=None),
        ours("b.de", expires=date(2025, 2, 1)),
        ours("same.de"),
        ours("noinfo.de"),
    ]
    result = reconcile("joker", records, our)
    assert result.expiry_mismatch == (
        ExpiryMismatch("a.de", None, date(2026, 3, 1)),
        ExpiryMismatch("b.de", date(2025, 2, 1), date(2026, 2, 1)),
    )
    assert result.to_json_dict()["expiry_mismatch"] == [
        {"domain": "a.de", "ours": None, "registrar": "2026-03-01"},
        {"domain": "b.de", "ours": "2025-02-01", "registrar": "2026-02-01"},
    ]


def test_status_mismatch_ignores_unknown_registrar_status():
    records = [
        rec("x.de", status=DomainStatus.REDEMPTION),
        rec("unk.de", status=DomainStatus.UNKNOWN),
        rec("ok.de"),
    ]
    our = [ours("x.de"), ours("unk.de"), ours("ok.de", status=DomainStatus.ACTIVE)]
    result = reconcile("joker", records, our)
    assert result.status_mismatch == (StatusMismatch("x.de", "active", "redemption"),)
    assert result.to_json_dict()["status_mismatch"] == [
        {"domain": "x.de", "ours": "active", "registrar": "redemption"}
    ]


def test_unbilled_live_domains_without_any_contract():
    records = [
        rec("free.de"),
        rec("pending.de", status=DomainStatus.PENDING),
        rec("dead.de", status=DomainStatus.EXPIRED),
        rec("billed.de"),
        rec("ended.de"),
    ]
    our = [
        ours("free.de", running=False, price=Decimal("12")),
        ours("pending.de", running=False, price=None),
        ours("dead.de", running=False),
        ours("billed.de", running=True),
        ours("ended.de", running=False, ended=True),
    ]
    result = reconcile("joker", records, our)
    assert result.unbilled == (
        Unbilled("free.de", Decimal("12")),
        Unbilled("pending.de", None),
    )
    assert result.to_json_dict()["unbilled"] == [
        {"domain": "free.de", "yearly_value": "12.00"},
        {"domain": "pending.de", "yearly_value": None},
    ]


def test_ended_but_renewing():
    records = [
        rec("renews.de", auto_renew=True),
        rec("lapses.de", auto_renew=False),
        rec("unknown-renewal.de", auto_renew=None),
        rec("expired.de", auto_renew=True, status=DomainStatus.EXPIRED),
        rec("leaving.de", auto_renew=True, status=DomainStatus.TRANSFER_OUT),
        rec("new-contract.de", auto_renew=True),
        rec("cheap.de", auto_renew=True),
    ]
    our = [
        ours("renews.de", running=False, ended=True, cost=Decimal("8.505")),
        ours("lapses.de", running=False, ended=True),
        ours("unknown-renewal.de", running=False, ended=True),
        ours("expired.de", running=False, ended=True),
        ours("leaving.de", running=False, ended=True),
        ours("new-contract.de", running=True, ended=True),
        ours("cheap.de", running=False, ended=True, cost=None),
    ]
    result = reconcile("joker", records, our)
    assert result.ended_but_renewing == (
        EndedButRenewing("cheap.de", None),
        EndedButRenewing("renews.de", Decimal("8.505")),
    )
    assert result.to_json_dict()["ended_but_renewing"] == [
        {"domain": "cheap.de", "yearly_cost": None},
        {"domain": "renews.de", "yearly_cost": "8.51"},
    ]


def test_json_shape_is_exact_and_serializable():
    records = [
        rec("new.de", expires=date(2027, 1, 1)),
        rec("shift.de", expires=date(2026, 6, 1), status=DomainStatus.EXPIRED),
        rec("free.de"),
        rec("ended.de"),
    ]
    our = [
        ours("lost.de", customer="K-9"),
        ours("shift.de"),
        ours("free.de", running=False, price=Decimal("12")),
        ours("ended.de", running=False, ended=True, cost=Decimal("7.2")),
    ]
    result = reconcile("joker", records, our)
    expected = {
        "registrar": "joker",
        "records": 4,
        "missing_in_hostkontor": [{"domain": "new.de", "expires": "2027-01-01"}],
        "missing_at_registrar": [{"domain": "lost.de", "customer_number": "K-9"}],
        "expiry_mismatch": [
            {"domain": "shift.de", "ours": "2026-01-01", "registrar": "2026-06-01"}
        ],
        "status_mismatch": [{"domain": "shift.de", "ours": "active", "registrar": "expired"}],
        "unbilled": [{"domain": "free.de", "yearly_value": "12.00"}],
        "ended_but_renewing": [{"domain": "ended.de", "yearly_cost": "7.20"}],
    }
    assert result.to_json_dict() == expected
    assert list(result.to_json_dict()) == list(expected)
    assert json.loads(json.dumps(result.to_json_dict())) == expected


def test_100k_by_100k_matches_exactly():
    # given 100,000 registrar records and 100,000 of our domains, half overlapping
    records = [rec(f"d{i:06d}.de") for i in range(100_000)]
    our = [ours(f"d{i:06d}.de") for i in range(50_000, 150_000)]
    # when reconciled (its speed is measured by `make bench`, not here)
    result = reconcile("joker", records, our)
    # then the counts are exact
    assert (len(result.missing_in_hostkontor), len(result.missing_at_registrar)) == (50_000, 50_000)
    assert result.missing_in_hostkontor[0].domain == "d000000.de"
    assert result.missing_at_registrar[-1].domain == "d149999.de"
