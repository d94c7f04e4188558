"""Where the vault keys come from, for this process.

Order: ``HOSTKONTOR_VAULT_KEYS`` or ``HOSTKONTOR_VAULT_KEY_FILE`` from the environment (see
:mod:`hostkontor.vault.crypto`); without either, the embedded default key file
``settings.VAULT_DEFAULT_KEY_FILE`` (``var/vault.keys``), which ``make run`` creates via
:func:`ensure_embedded_key`. Keys never come from the database or ``SECRET_KEY``.

:func:`get_keyring` is cached per process; tests that change the environment call
``get_keyring.cache_clear()``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from django.conf import settings

from .crypto import ENV_KEY_FILE, ENV_KEYS, Keyring, VaultKeyMissing, generate_key_file

__all__ = ["default_key_file", "ensure_embedded_key", "get_keyring", "key_source"]


def _env_configured() -> bool:
    return bool((os.environ.get(ENV_KEYS) or "").strip()) or bool(
        (os.environ.get(ENV_KEY_FILE) or "").strip()
    )


def default_key_file() -> Path:
    return Path(settings.VAULT_DEFAULT_KEY_FILE)


def key_source() -> str:
    """Where the keys come from, for messages (never the keys themselves)."""
    if (os.environ.get(ENV_KEYS) or "").strip():
        return ENV_KEYS
    if (os.environ.get(ENV_KEY_FILE) or "").strip():
        return f"{ENV_KEY_FILE}={os.environ[ENV_KEY_FILE].strip()}"
    return str(default_key_file())


@functools.lru_cache(maxsize=1)
def get_keyring() -> Keyring:
    """The process's keyring: environment first, else the embedded default key file.

    Raises :class:`~hostkontor.vault.crypto.VaultKeyMissing` (with what to do) when no key
    is configured, :class:`~hostkontor.vault.crypto.VaultConfigError` when it is malformed.
    Failures are not cached, so fixing the configuration works without a restart.
    """
    if _env_configured():
        return Keyring.from_environment()
    path = default_key_file()
    if not path.exists():
        raise VaultKeyMissing(
            f"no vault key configured: {path} does not exist and neither {ENV_KEYS} nor "
            f"{ENV_KEY_FILE} is set. Create the embedded default key with "
            f"`python manage.py vault_key --create` (or `make run`), or set {ENV_KEYS} to "
            f"'id:base64key' (a new entry: `python manage.py vault_key --new`). "
            "Keep a backup of the key: without it the stored passwords are lost."
        )
    return Keyring.from_file(path)


def ensure_embedded_key() -> Path | None:
    """Create the embedded default key file (mode 0600) if no key is configured.

    Returns the path of the key file in use, or ``None`` when the keys come from
    ``HOSTKONTOR_VAULT_KEYS`` (no file). Never overwrites an existing file.
    """
    inline = (os.environ.get(ENV_KEYS) or "").strip()
    key_file = (os.environ.get(ENV_KEY_FILE) or "").strip()
    if inline:
        return None
    if key_file:
        return Path(key_file)
    path = default_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            generate_key_file(path)
        except FileExistsError:  # another process was faster
            pass
        get_keyring.cache_clear()
    return path
