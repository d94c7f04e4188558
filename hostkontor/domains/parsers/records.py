"""RegistrarRecord and the helpers shared by all registrar parsers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import idna

from hostkontor.domains.parsers.status import DomainStatus
from hostkontor.imports.errors import ImportFormatError, show_value

__all__ = [
    "RegistrarRecord",
    "check_unique",
    "domain_key",
    "normalize_domain",
    "parse_bool",
    "parse_iso_date",
]


@dataclass(frozen=True, slots=True)
class RegistrarRecord:
    """One domain as the registrar reports it."""

    domain: str  # Unicode (U-label) form, lowercase
    domain_ascii: str  # ASCII (A-label / punycode) form
    expires: date | None
    registered_on: date | None
    status: DomainStatus
    raw_status: str
    auto_renew: bool | None
    handle: str | None  # registrar's id / ROID
    location: str  # "line N" / "record N" in the source file


# Plain LDH names (no IDN, no "xx--" labels) skip the (slow, pure-Python) idna codec.
_LDH_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_RE = re.compile(rf"(?:{_LDH_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?\Z", re.ASCII)


class InvalidDomain(ValueError):
    pass


def normalize_domain(name: str) -> tuple[str, str]:
    """``"Müller.DE."`` -> ``("müller.de", "xn--mller-kva.de")``; IDNA2008 with UTS #46.

    Raises InvalidDomain for anything that is not a syntactically valid, fully qualified
    domain name (at least two labels, alphabetic TLD, max. 253 characters).
    """
    text = name.strip()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise InvalidDomain("is empty")
    lowered = text.lower()
    if (
        lowered.isascii()
        and len(lowered) <= 253
        and _PLAIN_RE.match(lowered)
        and "--" not in lowered
    ):
        return lowered, lowered
    try:
        ascii_name = idna.encode(text, uts46=True, transitional=False).decode("ascii")
        unicode_name = idna.decode(ascii_name)
    except (idna.IDNAError, UnicodeError, ValueError, IndexError):
        raise InvalidDomain("is not a valid domain name") from None
    ascii_name = ascii_name.lower()
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not any(c.isalpha() for c in labels[-1]):
        raise InvalidDomain("is not a fully qualified domain name")
    return unicode_name.lower(), ascii_name


def domain_key(name: str) -> str:
    """Join key for domains (ASCII form); falls back to a lowercase string for bad names."""
    try:
        return normalize_domain(name)[1]
    except InvalidDomain:
        return name.strip().rstrip(".").lower()


def make_domain(name: object, filename: str, location: str) -> tuple[str, str]:
    if name is None or (isinstance(name, str) and not name.strip()):
        raise ImportFormatError(filename, location, "domain", "a domain name is required")
    if not isinstance(name, str):
        raise ImportFormatError(
            filename, location, "domain", f"{show_value(name)} is not a domain name"
        )
    try:
        return normalize_domain(name)
    except InvalidDomain as exc:
        raise ImportFormatError(filename, location, "domain", f"{show_value(name)} {exc}") from None


_EMPTY_DATES = {"", "0000-00-00", "0000-00-00 00:00:00", "0000-00-00T00:00:00"}


def parse_iso_date(value: object, filename: str, location: str, field: str) -> date | None:
    """``YYYY-MM-DD`` optionally followed by a time (space or ``T``, ``Z``/offset) -> date.

    The date part is taken as written (no time zone conversion).  Empty values and the
    all-zero date mean "no date".
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportFormatError(filename, location, field, f"{show_value(value)} is not a date")
    text = value.strip()
    if text in _EMPTY_DATES:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) > 10 and text[10] in " T":
            datetime.fromisoformat(text)  # validate the time part as well
            return date.fromisoformat(text[:10])
    except ValueError:
        pass
    raise ImportFormatError(
        filename, location, field, f"{show_value(value)} is not a date in format yyyy-mm-dd"
    )


_TRUE = {"1", "true", "yes", "on", "enabled"}
_FALSE = {"0", "false", "no", "off", "disabled"}


def parse_bool(value: object, filename: str, location: str, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        text = value.strip().casefold()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ImportFormatError(
        filename, location, field, f"{show_value(value)} is not a boolean (true/false)"
    )


def check_unique(records: Iterable[RegistrarRecord], filename: str) -> list[RegistrarRecord]:
    """Return the records as a list; a domain listed twice is an ImportFormatError."""
    seen: dict[str, str] = {}
    result = []
    for record in records:
        first = seen.get(record.domain_ascii)
        if first is not None:
            raise ImportFormatError(
                filename,
                record.location,
                "domain",
                f"{show_value(record.domain)} is listed twice ({first} and {record.location})",
            )
        seen[record.domain_ascii] = record.location
        result.append(record)
    return result


def small_int(text: str | None) -> int | None:
    """A plain non-negative decimal count (max. 9 digits) or None."""
    if text is None:
        return None
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None
