"""Random passwords for customer accounts (mailboxes, FTP, databases).

Uses :mod:`secrets` only. Passwords are drawn uniformly from all strings over
the selected alphabet that contain at least one character of each selected
class (rejection sampling, so no position or class is favoured).
"""

from __future__ import annotations

import secrets
import string

__all__ = ["LOOKALIKES", "MAX_LENGTH", "SYMBOLS", "alphabet_for", "generate_password"]

# Shell/config friendly: no space, backslash, quotes or backtick.
SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{}~"

# Characters that are easily confused when read aloud, printed on a password
# sheet or typed from it: 0/O/o, 1/l/I/i/|/!, quotes/backtick, tiny punctuation.
LOOKALIKES = frozenset("0Oo1lIi|!`'\".,;:")

MAX_LENGTH = 1024


def alphabet_for(
    *,
    lower: bool = True,
    upper: bool = True,
    digits: bool = True,
    symbols: bool = True,
    readable: bool = False,
) -> list[str]:
    """The character classes selected (each a non-empty string)."""
    classes = []
    for wanted, chars in (
        (lower, string.ascii_lowercase),
        (upper, string.ascii_uppercase),
        (digits, string.digits),
        (symbols, SYMBOLS),
    ):
        if wanted:
            if readable:
                chars = "".join(c for c in chars if c not in LOOKALIKES)
            classes.append(chars)
    return classes


def generate_password(
    length: int = 20,
    lower: bool = True,
    upper: bool = True,
    digits: bool = True,
    symbols: bool = True,
    readable: bool = False,
) -> str:
    """A random password with at least one character of every selected class.

    Raises ``ValueError`` for impossible requests (no class selected, length
    shorter than the number of classes, length out of range).
    """
    if isinstance(length, bool) or not isinstance(length, int):
        raise TypeError("length must be an int")
    classes = alphabet_for(
        lower=lower, upper=upper, digits=digits, symbols=symbols, readable=readable
    )
    if not classes:
        raise ValueError("select at least one character class")
    if length < len(classes):
        raise ValueError(
            f"length {length} is too short to contain one character of each of the "
            f"{len(classes)} selected classes"
        )
    if length > MAX_LENGTH:
        raise ValueError(f"length must be at most {MAX_LENGTH}")
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in chars for c in candidate) for chars in classes):
            return candidate
