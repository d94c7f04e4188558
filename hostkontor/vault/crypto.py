"""Encryption at rest for customer secrets (mailbox, FTP, database passwords).

Pure module: no Django imports. The lead wires it into model fields later.

Keys
    AES-256-GCM keys come from the process environment, never from the database
    and never from Django's ``SECRET_KEY``:

    * ``HOSTKONTOR_VAULT_KEYS`` -- comma-separated ``id:base64key`` entries, or
    * ``HOSTKONTOR_VAULT_KEY_FILE`` -- path of a file with one ``id:base64key`` per
      line (``#`` comments and blank lines allowed). The file must not be
      accessible to "other" users (no world read/write/execute bit).

    The FIRST entry is the current key: new values are encrypted with it. Every
    other entry is only used to decrypt, which is what makes rotation work
    without downtime: (1) put a new key first and keep the old one after it,
    (2) run :meth:`Keyring.rotate` over all stored tokens, (3) drop the old key.

Token format
    ``v1:<key_id>:<base64(nonce || ciphertext+tag)>`` with a random 96-bit nonce.
    The GCM associated data binds a token to its place: ``aad_for(table, pk,
    field)`` == ``f"{table}:{pk}:{field}"``. A token copied to another row or
    field does not decrypt. (Random 96-bit nonces: keep well below 2**32
    encryptions per key -- rotate keys long before that.)

Leaks
    Decrypted values come back as :class:`Secret`, whose ``str``/``repr``/format
    is ``'********'``. Error messages never contain plaintext, ciphertext or key
    material, and library exceptions are not chained (``from None``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "ENV_KEYS",
    "ENV_KEY_FILE",
    "TOKEN_VERSION",
    "Keyring",
    "Secret",
    "VaultConfigError",
    "VaultDecryptError",
    "VaultError",
    "VaultKeyMissing",
    "aad_for",
    "generate_key_file",
    "new_key_entry",
    "reveal",
]

ENV_KEYS = "HOSTKONTOR_VAULT_KEYS"
ENV_KEY_FILE = "HOSTKONTOR_VAULT_KEY_FILE"
TOKEN_VERSION = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
MASK = "********"

_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class VaultError(Exception):
    """Base class. Messages never contain plaintext, ciphertext or keys."""


class VaultKeyMissing(VaultError):
    """No key configured, or the token names a key id that is not in the ring."""


class VaultConfigError(VaultError):
    """The key configuration is malformed or unsafe (e.g. world-readable file)."""


class VaultDecryptError(VaultError):
    """A token is malformed, was tampered with, or belongs to another row/field."""


class Secret:
    """A string that refuses to show itself.

    ``str()``, ``repr()``, f-strings and ``%`` formatting all give ``'********'``;
    only :meth:`reveal` returns the value. Pickling is refused so a secret can't
    silently end up in a cache or task queue.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        return self._value

    def __setattr__(self, name, value):  # immutable
        raise AttributeError("Secret is immutable")

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self):
        raise TypeError("Secret values cannot be pickled; call .reveal() explicitly")


def reveal(value: Secret | str) -> str:
    """Plain text of a :class:`Secret` (or anything with ``.reveal()``) or a str."""
    if isinstance(value, str):
        return value
    revealer = getattr(value, "reveal", None)
    if callable(revealer):
        result = revealer()
        if isinstance(result, str):
            return result
    raise TypeError("expected a str or a Secret-like object with .reveal()")


def aad_for(table: str, pk: object, field: str) -> str:
    """Associated data binding a token to ``table``/``pk``/``field``."""
    for part_name, part in (("table", table), ("field", field)):
        if not isinstance(part, str) or not part or ":" in part:
            raise ValueError(f"{part_name} must be a non-empty str without ':'")
    if pk is None or str(pk) == "":
        raise ValueError("pk must be set before a value can be encrypted for the row")
    return f"{table}:{pk}:{field}"


def _decode_b64(text: str) -> bytes:
    text = text.strip()
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pass
    if not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", text):
        raise ValueError("not valid base64")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


def _parse_entries(entries: Iterable[str], source: str) -> list[tuple[str, bytes]]:
    parsed: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for number, raw in enumerate(entries, start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        where = f"{source} entry {number}"
        if not sep:
            raise VaultConfigError(f"{where}: expected 'id:base64key'")
        if not _KEY_ID_RE.match(key_id):
            raise VaultConfigError(f"{where}: key id must be 1-64 characters of A-Z a-z 0-9 _ . -")
        if key_id in seen:
            raise VaultConfigError(f"{where}: duplicate key id {key_id!r}")
        try:
            key = _decode_b64(encoded)
        except ValueError:
            raise VaultConfigError(f"{where} ({key_id!r}): key is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise VaultConfigError(
                f"{where} ({key_id!r}): key must be {KEY_BYTES} bytes (AES-256), got {len(key)}"
            )
        seen.add(key_id)
        parsed.append((key_id, key))
    return parsed


def _read_key_file(path: str) -> list[tuple[str, bytes]]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise VaultKeyMissing(f"{ENV_KEY_FILE} points to {path!r}, which does not exist") from None
    except OSError as exc:
        raise VaultConfigError(f"cannot open vault key file {path!r}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise VaultConfigError(f"vault key file {path!r} is not a regular file")
        if info.st_mode & 0o007:
            raise VaultConfigError(
                f"vault key file {path!r} is accessible to other users "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
            )
        with os.fdopen(fd, "r", encoding="utf-8") as handle:
            fd = -1
            lines = handle.read().splitlines()
    finally:
        if fd != -1:
            os.close(fd)
    return _parse_entries(lines, f"key file {path!r}")


class Keyring:
    """Ordered set of AES-256-GCM keys; the first one is current."""

    __slots__ = ("_keys", "_current")

    def __init__(self, keys: Iterable[tuple[str, bytes]]) -> None:
        ordered: dict[str, AESGCM] = {}
        for key_id, key in keys:
            if not _KEY_ID_RE.match(key_id or ""):
                raise VaultConfigError(f"invalid key id {key_id!r}")
            if key_id in ordered:
                raise VaultConfigError(f"duplicate key id {key_id!r}")
            if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
                raise VaultConfigError(f"key {key_id!r} must be {KEY_BYTES} bytes (AES-256)")
            ordered[key_id] = AESGCM(bytes(key))
        if not ordered:
            raise VaultKeyMissing("the vault keyring is empty")
        self._keys = ordered
        self._current = next(iter(ordered))

    # construction -----------------------------------------------------------
    @classmethod
    def from_string(cls, value: str, source: str = ENV_KEYS) -> Keyring:
        entries = _parse_entries(value.split(","), source)
        if not entries:
            raise VaultKeyMissing(f"{source} contains no keys")
        return cls(entries)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Keyring:
        entries = _read_key_file(os.fspath(path))
        if not entries:
            raise VaultKeyMissing(f"vault key file {os.fspath(path)!r} contains no keys")
        return cls(entries)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Keyring:
        """Keys from ``HOSTKONTOR_VAULT_KEYS`` or ``HOSTKONTOR_VAULT_KEY_FILE``.

        Setting both is refused (which one wins would be a silent surprise).
        """
        env = os.environ if environ is None else environ
        inline = (env.get(ENV_KEYS) or "").strip()
        key_file = (env.get(ENV_KEY_FILE) or "").strip()
        if inline and key_file:
            raise VaultConfigError(f"set either {ENV_KEYS} or {ENV_KEY_FILE}, not both")
        if inline:
            return cls.from_string(inline)
        if key_file:
            return cls.from_file(key_file)
        raise VaultKeyMissing(
            f"no vault key configured: set {ENV_KEYS} (id:base64key,...) or "
            f"{ENV_KEY_FILE} (path of a mode-0600 key file)"
        )

    # inspection -------------------------------------------------------------
    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def __repr__(self) -> str:
        return f"<Keyring current={self._current!r} keys={list(self._keys)!r}>"

    def __reduce__(self):
        raise TypeError("Keyring cannot be pickled")

    # crypto -----------------------------------------------------------------
    def encrypt(self, plaintext: Secret | str, aad: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        # no local variable holds the plain text: tracebacks list the locals of every frame
        sealed = self._keys[self._current].encrypt(
            nonce, reveal(plaintext).encode("utf-8"), _aad(aad)
        )
        body = base64.b64encode(nonce + sealed).decode("ascii")
        return f"{TOKEN_VERSION}:{self._current}:{body}"

    def decrypt(self, token: str, aad: str) -> Secret:
        key_id, blob = _parse_token(token)
        cipher = self._keys.get(key_id)
        if cipher is None:
            raise VaultKeyMissing(
                f"vault token was encrypted with key {key_id!r}, which is not in the keyring "
                f"(known: {', '.join(self._keys)})"
            )
        try:
            # straight into a Secret: no local variable holds the plain text
            return Secret(
                cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(aad)).decode("utf-8")
            )
        except InvalidTag:
            raise VaultDecryptError(
                f"vault token does not authenticate under key {key_id!r} for {aad!r}: "
                "wrong key, tampered data, or the token belongs to another row/field"
            ) from None
        except UnicodeDecodeError:
            raise VaultDecryptError("decrypted vault value is not UTF-8") from None

    def needs_rotation(self, token: str) -> bool:
        key_id, _ = _parse_token(token)
        return key_id != self._current

    def rotate(self, token: str, aad: str) -> str:
        """Re-encrypt under the current key (token returned unchanged if current).

        Always authenticates the token first, so a rotation run also detects
        corrupted or misplaced values.
        """
        value = self.decrypt(token, aad)
        if not self.needs_rotation(token):
            return token
        return self.encrypt(value, aad)


def _aad(aad: str) -> bytes:
    if not isinstance(aad, str) or not aad:
        raise ValueError("associated data (aad) must be a non-empty str, see aad_for()")
    return aad.encode("utf-8")


def _parse_token(token: str) -> tuple[str, bytes]:
    if not isinstance(token, str):
        raise VaultDecryptError("vault token must be a str")
    parts = token.split(":")
    if len(parts) != 3:
        raise VaultDecryptError("malformed vault token: expected 'v1:<key_id>:<base64>'")
    version, key_id, body = parts
    if version != TOKEN_VERSION:
        raise VaultDecryptError(
            f"unsupported vault token version (expected {TOKEN_VERSION!r})"
            if _KEY_ID_RE.match(version)
            else "malformed vault token: bad version field"
        )
    if not _KEY_ID_RE.match(key_id):
        raise VaultDecryptError("malformed vault token: bad key id")
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise VaultDecryptError("malformed vault token: payload is not valid base64") from None
    if len(blob) < NONCE_BYTES + 16:
        raise VaultDecryptError("malformed vault token: payload too short")
    return key_id, blob


def new_key_entry(key_id: str | None = None) -> str:
    """A fresh ``id:base64key`` line (put it FIRST to make it the current key)."""
    if key_id is None:
        key_id = time.strftime("k%Y%m%d", time.gmtime()) + "-" + secrets.token_hex(3)
    if not _KEY_ID_RE.match(key_id):
        raise ValueError("key id must be 1-64 characters of A-Z a-z 0-9 _ . -")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode('ascii')}"


def generate_key_file(path: str | os.PathLike[str], key_id: str | None = None) -> str:
    """Create ``path`` (mode 0600, must not exist) with one new key; return its id.

    Never overwrites: losing a key file means losing every value encrypted
    with it.
    """
    entry = new_key_entry(key_id)
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # independent of the umask
        os.write(fd, (entry + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry.partition(":")[0]
