"""Number ranges: patterns like ``K{00000}`` or ``RE-{YYYY}-{00000}``.

``{0…0}`` is the counter, zero-padded to the width of the braces; ``{YYYY}``/``{YY}``/``{MM}``
are the date's parts. A pattern containing the year counts per year (the period key).
"""

import re
from datetime import date

from django.db import transaction

from .models import NumberSequence

_TOKEN = re.compile(r"\{(0+|YYYY|YY|MM)\}")


class NumberPatternError(ValueError):
    pass


def validate_pattern(pattern: str) -> None:
    counters = [t for t in _TOKEN.findall(pattern) if t.startswith("0")]
    if len(counters) != 1:
        raise NumberPatternError(
            f"number pattern {pattern!r} needs exactly one counter such as {{00000}}"
        )
    leftover = _TOKEN.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise NumberPatternError(f"number pattern {pattern!r} has an unknown {{…}} token")


def period_key(pattern: str, on: date) -> str:
    tokens = _TOKEN.findall(pattern)
    if "MM" in tokens:
        return f"{on:%Y-%m}"
    if "YYYY" in tokens or "YY" in tokens:
        return f"{on:%Y}"
    return ""


def format_number(pattern: str, value: int, on: date) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token == "YYYY":
            return f"{on:%Y}"
        if token == "YY":
            return f"{on:%y}"
        if token == "MM":
            return f"{on:%m}"
        return str(value).zfill(len(token))

    return _TOKEN.sub(replace, pattern)


def number_allocate(*, range_code: str, pattern: str, on: date, start: int = 1) -> str:
    """Take the next number of a range; call inside the transaction that stores it.

    The sequence row is locked (``SELECT … FOR UPDATE``) until that transaction ends, so a
    rolled-back issue gives its number back and concurrent issuers queue: gapless, increasing.
    """
    validate_pattern(pattern)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside transaction.atomic()")
    key = period_key(pattern, on)
    sequence = (
        NumberSequence.objects.select_for_update()
        .filter(range_code=range_code, period_key=key)
        .first()
    )
    if sequence is None:
        NumberSequence.objects.bulk_create(
            [NumberSequence(range_code=range_code, period_key=key, next_value=start)],
            ignore_conflicts=True,
        )
        sequence = NumberSequence.objects.select_for_update().get(
            range_code=range_code, period_key=key
        )
    value = sequence.next_value
    sequence.next_value = value + 1
    sequence.save(update_fields=["next_value"])
    return format_number(pattern, value, on)
