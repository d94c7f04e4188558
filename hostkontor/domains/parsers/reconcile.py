"""Compare a registrar's domain list with our domains (pure, no Django, no I/O).

Semantics
---------
* Domains are joined by their ASCII (punycode) form, so ``müller.de`` and
  ``xn--mller-kva.de`` match; output uses the Unicode form and every list is sorted by it.
* "Ours" may contain domains of several registrars.  A registrar record is *joined* with our
  domain of the same name, preferring the one recorded at this registrar.
* ``missing_in_hostkontor``: at the registrar, but no domain of that name in Hostkontor.
* ``missing_at_registrar``: our domains recorded at this registrar with status ``active``
  that the registrar does not list.
* ``expiry_mismatch``: joined, the registrar gives an expiry date and ours differs (ours may
  be None).
* ``status_mismatch``: joined, the registrar status is known (not ``unknown``) and differs
  from ours.
* ``unbilled``: joined, the domain is live at the registrar (active, transfer_in, pending)
  and we have neither a running nor an ended contract (``yearly_value`` = our yearly price).
* ``ended_but_renewing``: joined, our contract ended and no other contract runs, but the
  registrar will renew it: ``auto_renew`` is True and the status is not expired, redemption,
  deleted or transfer_out (``yearly_cost`` = our yearly cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hostkontor.domains.parsers.records import InvalidDomain, RegistrarRecord, normalize_domain
from hostkontor.domains.parsers.status import DomainStatus

__all__ = [
    "EndedButRenewing",
    "ExpiryMismatch",
    "MissingAtRegistrar",
    "MissingInHostkontor",
    "OurDomain",
    "Reconciliation",
    "StatusMismatch",
    "Unbilled",
    "reconcile",
]


@dataclass(frozen=True, slots=True)
class OurDomain:
    domain: str
    customer_number: str
    registrar: str
    expires: date | None
    status: str  # a DomainStatus value
    has_running_contract: bool
    contract_ended: bool
    yearly_price: Decimal | None
    yearly_cost: Decimal | None


@dataclass(frozen=True, slots=True)
class MissingInHostkontor:
    domain: str
    expires: date | None


@dataclass(frozen=True, slots=True)
class MissingAtRegistrar:
    domain: str
    customer_number: str


@dataclass(frozen=True, slots=True)
class ExpiryMismatch:
    domain: str
    ours: date | None
    registrar: date | None


@dataclass(frozen=True, slots=True)
class StatusMismatch:
    domain: str
    ours: str
    registrar: str


@dataclass(frozen=True, slots=True)
class Unbilled:
    domain: str
    yearly_value: Decimal | None


@dataclass(frozen=True, slots=True)
class EndedButRenewing:
    domain: str
    yearly_cost: Decimal | None


_CENT = Decimal("0.01")
_LIVE = frozenset({DomainStatus.ACTIVE, DomainStatus.TRANSFER_IN, DomainStatus.PENDING})
_NOT_RENEWING = frozenset(
    {
        DomainStatus.EXPIRED,
        DomainStatus.REDEMPTION,
        DomainStatus.DELETED,
        DomainStatus.TRANSFER_OUT,
    }
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Reconciliation:
    registrar: str
    records: int
    missing_in_hostkontor: tuple[MissingInHostkontor, ...]
    missing_at_registrar: tuple[MissingAtRegistrar, ...]
    expiry_mismatch: tuple[ExpiryMismatch, ...]
    status_mismatch: tuple[StatusMismatch, ...]
    unbilled: tuple[Unbilled, ...]
    ended_but_renewing: tuple[EndedButRenewing, ...]

    def to_json_dict(self) -> dict:
        return {
            "registrar": self.registrar,
            "records": self.records,
            "missing_in_hostkontor": [
                {"domain": i.domain, "expires": _iso(i.expires)} for i in self.missing_in_hostkontor
            ],
            "missing_at_registrar": [
                {"domain": i.domain, "customer_number": i.customer_number}
                for i in self.missing_at_registrar
            ],
            "expiry_mismatch": [
                {"domain": i.domain, "ours": _iso(i.ours), "registrar": _iso(i.registrar)}
                for i in self.expiry_mismatch
            ],
            "status_mismatch": [
                {"domain": i.domain, "ours": str(i.ours), "registrar": str(i.registrar)}
                for i in self.status_mismatch
            ],
            "unbilled": [
                {"domain": i.domain, "yearly_value": _money(i.yearly_value)} for i in self.unbilled
            ],
            "ended_but_renewing": [
                {"domain": i.domain, "yearly_cost": _money(i.yearly_cost)}
                for i in self.ended_but_renewing
            ],
        }


def _our_key(domain: str) -> tuple[str, str]:
    try:
        unicode_name, ascii_name = normalize_domain(domain)
    except InvalidDomain:
        plain = domain.strip().rstrip(".").lower()
        return plain, plain
    return ascii_name, unicode_name


def reconcile(
    registrar: str, records: Iterable[RegistrarRecord], ours: Iterable[OurDomain]
) -> Reconciliation:
    """Compare ``records`` (one registrar's list) with ``ours``; O(n + m) plus sorting."""
    registrar_key = registrar.strip().casefold()
    by_key: dict[str, tuple[str, OurDomain]] = {}
    at_this_registrar: list[tuple[str, str, OurDomain]] = []
    for our in ours:
        key, unicode_name = _our_key(our.domain)
        here = our.registrar.strip().casefold() == registrar_key
        if here:
            at_this_registrar.append((key, unicode_name, our))
        current = by_key.get(key)
        if current is None or (here and current[1].registrar.strip().casefold() != registrar_key):
            by_key[key] = (unicode_name, our)

    seen: set[str] = set()
    count = 0
    missing_in: list[MissingInHostkontor] = []
    expiry: list[ExpiryMismatch] = []
    status_diff: list[StatusMismatch] = []
    unbilled: list[Unbilled] = []
    renewing: list[EndedButRenewing] = []
    for rec in records:
        count += 1
        seen.add(rec.domain_ascii)
        joined = by_key.get(rec.domain_ascii)
        if joined is None:
            missing_in.append(MissingInHostkontor(rec.domain, rec.expires))
            continue
        our = joined[1]
        if rec.expires is not None and our.expires != rec.expires:
            expiry.append(ExpiryMismatch(rec.domain, our.expires, rec.expires))
        if rec.status != DomainStatus.UNKNOWN and str(our.status) != rec.status.value:
            status_diff.append(StatusMismatch(rec.domain, str(our.status), rec.status.value))
        if rec.status in _LIVE and not our.has_running_contract and not our.contract_ended:
            unbilled.append(Unbilled(rec.domain, our.yearly_price))
        if (
            our.contract_ended
            and not our.has_running_contract
            and rec.auto_renew is True
            and rec.status not in _NOT_RENEWING
        ):
            renewing.append(EndedButRenewing(rec.domain, our.yearly_cost))

    missing_at = [
        MissingAtRegistrar(unicode_name, our.customer_number)
        for key, unicode_name, our in at_this_registrar
        if key not in seen and str(our.status) == DomainStatus.ACTIVE.value
    ]

    def by_domain(item) -> str:
        return item.domain

    return Reconciliation(
        registrar=registrar,
        records=count,
        missing_in_hostkontor=tuple(sorted(missing_in, key=by_domain)),
        missing_at_registrar=tuple(sorted(missing_at, key=by_domain)),
        expiry_mismatch=tuple(sorted(expiry, key=by_domain)),
        status_mismatch=tuple(sorted(status_diff, key=by_domain)),
        unbilled=tuple(sorted(unbilled, key=by_domain)),
        ended_but_renewing=tuple(sorted(renewing, key=by_domain)),
    )
