"""Registrar inventory parsers (pure Python, no Django).

``parse_registrar_file(format, data, filename)`` parses one of the built-in formats
(:data:`PARSERS`); ``records_from_mapping`` parses a user-defined format.  Both return
:class:`RegistrarRecord` lists and raise :class:`~hostkontor.imports.ImportFormatError`.
"""

from __future__ import annotations

from collections.abc import Callable

from hostkontor.domains.parsers.autodns import parse_autodns
from hostkontor.domains.parsers.gandi import parse_gandi
from hostkontor.domains.parsers.hexonet import parse_hexonet
from hostkontor.domains.parsers.joker import parse_joker
from hostkontor.domains.parsers.mapped import records_from_mapping
from hostkontor.domains.parsers.namecheap import parse_namecheap
from hostkontor.domains.parsers.records import RegistrarRecord, check_unique, normalize_domain
from hostkontor.domains.parsers.status import DomainStatus

__all__ = [
    "PARSERS",
    "DomainStatus",
    "RegistrarRecord",
    "normalize_domain",
    "parse_registrar_file",
    "records_from_mapping",
]

Parser = Callable[[bytes, str], list[RegistrarRecord]]

PARSERS: dict[str, Parser] = {
    "joker": parse_joker,
    "autodns": parse_autodns,
    "gandi": parse_gandi,
    "namecheap": parse_namecheap,
    "hexonet": parse_hexonet,
}


def parse_registrar_file(format: str, data: bytes, filename: str) -> list[RegistrarRecord]:  # noqa: A002
    """Parse a registrar export in a built-in format; duplicates are an ImportFormatError."""
    try:
        parser = PARSERS[format]
    except KeyError:
        raise ValueError(
            f"unknown registrar format {format!r} (known: {', '.join(PARSERS)})"
        ) from None
    return check_unique(parser(data, filename), filename)
