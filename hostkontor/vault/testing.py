"""Test helpers: vault keys from the environment, and entries with known passwords."""

from __future__ import annotations

import pytest

from .crypto import ENV_KEY_FILE, ENV_KEYS, new_key_entry
from .keys import get_keyring

KEY_A = new_key_entry("testA")
KEY_B = new_key_entry("testB")


@pytest.fixture
def vault_keys(monkeypatch):
    """Keys via ``HOSTKONTOR_VAULT_KEYS`` (key A by default); call the fixture's value with
    other entries to switch keys mid-test (``vault_keys(KEY_B, KEY_A)``)."""

    def use(*entries: str) -> None:
        monkeypatch.delenv(ENV_KEY_FILE, raising=False)
        monkeypatch.setenv(ENV_KEYS, ",".join(entries))
        get_keyring.cache_clear()

    use(KEY_A)
    yield use
    get_keyring.cache_clear()


def make_entry(customer, password: str | None = None, *, actor=None, **fields):
    from .services import EntryData, entry_create

    values = {"service_type": "imap", "host": "mail.example.net", "username": "info@example.net"}
    values.update(fields)
    return entry_create(actor=actor, customer=customer, data=EntryData(**values), password=password)
