"""Normalized domain lifecycle status, shared by the registrar parsers and the domains app."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DomainStatus", "normalize_status", "status_from_words"]


class DomainStatus(StrEnum):
    ACTIVE = "active"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    EXPIRED = "expired"
    REDEMPTION = "redemption"
    DELETED = "deleted"
    PENDING = "pending"
    UNKNOWN = "unknown"


# Registrar / EPP (RFC 5731) / registry words, casefolded, without "-", "_" and spaces.
# Flags that do not change the lifecycle (locks, holds, renew periods) mean "active".
_WORDS: dict[str, DomainStatus] = {
    **{s.value.replace("_", ""): s for s in DomainStatus},
    "ok": DomainStatus.ACTIVE,
    "active": DomainStatus.ACTIVE,
    "aktiv": DomainStatus.ACTIVE,
    "production": DomainStatus.ACTIVE,
    "registered": DomainStatus.ACTIVE,
    "connect": DomainStatus.ACTIVE,
    "lock": DomainStatus.ACTIVE,
    "locked": DomainStatus.ACTIVE,
    "unlock": DomainStatus.ACTIVE,
    "autorenew": DomainStatus.ACTIVE,
    "autorenewperiod": DomainStatus.ACTIVE,
    "renewperiod": DomainStatus.ACTIVE,
    "addperiod": DomainStatus.ACTIVE,
    "transferperiod": DomainStatus.ACTIVE,
    "pendingrenew": DomainStatus.ACTIVE,
    "pendingupdate": DomainStatus.ACTIVE,
    "inactive": DomainStatus.ACTIVE,
    "hold": DomainStatus.ACTIVE,
    "clienthold": DomainStatus.ACTIVE,
    "serverhold": DomainStatus.ACTIVE,
    "clienttransferprohibited": DomainStatus.ACTIVE,
    "servertransferprohibited": DomainStatus.ACTIVE,
    "clientdeleteprohibited": DomainStatus.ACTIVE,
    "serverdeleteprohibited": DomainStatus.ACTIVE,
    "clientupdateprohibited": DomainStatus.ACTIVE,
    "serverupdateprohibited": DomainStatus.ACTIVE,
    "clientrenewprohibited": DomainStatus.ACTIVE,
    "serverrenewprohibited": DomainStatus.ACTIVE,
    "pendingcreate": DomainStatus.PENDING,
    "requested": DomainStatus.PENDING,
    "ordered": DomainStatus.PENDING,
    "pendingtransfer": DomainStatus.TRANSFER_OUT,
    "transferout": DomainStatus.TRANSFER_OUT,
    "outgoingtransfer": DomainStatus.TRANSFER_OUT,
    "transfer": DomainStatus.TRANSFER_IN,
    "transferin": DomainStatus.TRANSFER_IN,
    "incomingtransfer": DomainStatus.TRANSFER_IN,
    "expire": DomainStatus.EXPIRED,
    "expired": DomainStatus.EXPIRED,
    "redemption": DomainStatus.REDEMPTION,
    "redemptionperiod": DomainStatus.REDEMPTION,
    "pendingrestore": DomainStatus.REDEMPTION,
    "restore": DomainStatus.REDEMPTION,
    "pendingdelete": DomainStatus.DELETED,
    "deleted": DomainStatus.DELETED,
    "delete": DomainStatus.DELETED,
}

# When a registrar reports several words, the most consequential one wins.
_PRIORITY = (
    DomainStatus.DELETED,
    DomainStatus.REDEMPTION,
    DomainStatus.EXPIRED,
    DomainStatus.TRANSFER_OUT,
    DomainStatus.TRANSFER_IN,
    DomainStatus.PENDING,
    DomainStatus.ACTIVE,
)


def _key(word: str) -> str:
    return "".join(ch for ch in word.casefold() if ch not in "-_ ")


def normalize_status(word: str | None) -> DomainStatus | None:
    """One registrar word -> DomainStatus, or None if the word is not known."""
    if not word:
        return None
    return _WORDS.get(_key(word))


def status_from_words(words: list[str] | tuple[str, ...], empty: DomainStatus) -> DomainStatus:
    """Several status words/flags -> one status.

    No words -> ``empty``.  The most consequential known word wins (deleted > redemption >
    expired > transfer_out > transfer_in > pending > active).  If some word is unknown and
    all known words only say "active", the result is UNKNOWN: we do not claim a domain is
    fine while the registrar tells us something we cannot interpret.
    """
    words = [w for w in (w.strip() for w in words) if w]
    if not words:
        return empty
    found = set()
    unknown = False
    for word in words:
        status = normalize_status(word)
        if status is None:
            unknown = True
        else:
            found.add(status)
    for status in _PRIORITY:
        if status in found and status is not DomainStatus.ACTIVE:
            return status
    if unknown:
        return DomainStatus.UNKNOWN
    return DomainStatus.ACTIVE if DomainStatus.ACTIVE in found else DomainStatus.UNKNOWN
