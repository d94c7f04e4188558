"""Vault entries: encryption bound to the row, history, reveal with audit, keys, rotation."""

import os
import stat
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from hostkontor.core.errors import FieldErrors
from hostkontor.core.models import AuditEvent
from hostkontor.testing.factories import make_customer
from hostkontor.testing.users import make_user

from .crypto import Secret, VaultConfigError, VaultDecryptError, VaultKeyMissing
from .keys import ensure_embedded_key, get_keyring
from .models import VaultEntry, VaultPasswordHistory
from .services import (
    EntryData,
    entry_delete,
    entry_reveal,
    entry_secret,
    entry_update,
    history_reveal,
)
from .testing import KEY_A, KEY_B, make_entry

pytestmark = pytest.mark.django_db

PASSWORD = "Tr0ub4dor&3-Postfach"


@pytest.fixture
def customer():
    return make_customer()


def data_of(entry, **changes) -> EntryData:
    values = {
        name: getattr(entry, name)
        for name in (
            "service_type",
            "host",
            "label",
            "port",
            "username",
            "tls_mode",
            "notes",
            "tags",
        )
    }
    values.update(changes)
    return EntryData(**values)


def test_create_stores_only_a_token_bound_to_the_row(customer, technician_user):
    # given / when an entry is created with a password
    entry = make_entry(customer, PASSWORD, actor=technician_user, tls_mode="implicit")
    # then the column holds a v1 token of the current key, not the password
    token = VaultEntry.objects.values_list("password_ciphertext", flat=True).get(pk=entry.pk)
    assert token.startswith("v1:testA:")
    assert PASSWORD not in token
    assert entry_secret(entry).reveal() == PASSWORD
    assert entry.effective_port == 993
    # and the audit says that a password was set, not which
    event = AuditEvent.objects.get(action="vault.entry_created")
    assert event.changes["password"] == ["", "(changed)"]
    assert PASSWORD not in str(event.changes)


def test_a_token_copied_to_another_row_does_not_decrypt(customer):
    # given two entries
    first = make_entry(customer, PASSWORD)
    second = make_entry(customer, "other-password-123", username="b@example.net")
    # when the first token is copied into the second row
    VaultEntry.objects.filter(pk=second.pk).update(password_ciphertext=first.password_ciphertext)
    second.refresh_from_db()
    # then decrypting fails loudly instead of handing out the first password
    with pytest.raises(VaultDecryptError, match="belongs to another row/field"):
        entry_secret(second)


def test_a_token_copied_into_the_history_table_does_not_decrypt(customer):
    entry = make_entry(customer, PASSWORD)
    item = VaultPasswordHistory.objects.create(
        entry=entry, password_ciphertext=entry.password_ciphertext
    )
    with pytest.raises(VaultDecryptError):
        history_reveal(actor=make_user("admin2", role="Admin"), item=item)


def test_password_change_keeps_the_old_one_encrypted_in_history(customer, technician_user):
    # given an entry
    entry = make_entry(customer, PASSWORD)
    # when the password changes
    entry_update(
        actor=technician_user, entry=entry, data=data_of(entry), password=Secret("New-Pass-42!")
    )
    # then the entry has the new one and the history the old, bound to the history row
    entry.refresh_from_db()
    assert entry_secret(entry).reveal() == "New-Pass-42!"
    item = entry.history.get()
    assert item.replaced_by == technician_user
    assert item.password_ciphertext.startswith("v1:testA:")
    assert history_reveal(actor=technician_user, item=item).reveal() == PASSWORD
    assert AuditEvent.objects.filter(action="vault.history_revealed").count() == 1


def test_update_without_password_keeps_it_and_writes_no_history(customer, technician_user):
    entry = make_entry(customer, PASSWORD)
    token = entry.password_ciphertext
    entry_update(
        actor=technician_user, entry=entry, data=data_of(entry, label="Info"), password=None
    )
    entry.refresh_from_db()
    assert entry.password_ciphertext == token
    assert entry.label == "Info"
    assert entry.history.count() == 0
    event = AuditEvent.objects.get(action="vault.entry_updated")
    assert event.changes == {"label": ["", "Info"]}


def test_same_password_again_is_no_change(customer, technician_user):
    entry = make_entry(customer, PASSWORD)
    entry_update(actor=technician_user, entry=entry, data=data_of(entry), password=Secret(PASSWORD))
    assert entry.history.count() == 0
    assert not AuditEvent.objects.filter(action="vault.entry_updated").exists()


def test_clear_password_moves_it_to_history(customer, technician_user):
    entry = make_entry(customer, PASSWORD)
    entry_update(actor=technician_user, entry=entry, data=data_of(entry), clear_password=True)
    entry.refresh_from_db()
    assert entry.password_ciphertext == ""
    assert entry_secret(entry) is None
    assert history_reveal(actor=technician_user, item=entry.history.get()).reveal() == PASSWORD


def test_validation(customer):
    with pytest.raises(FieldErrors) as error:
        make_entry(customer, PASSWORD, host="", tls_mode="starttls", service_type="sftp")
    assert error.value.errors == {
        "host": "ist erforderlich",
        "tls_mode": "dieser TLS-Modus ist für den Diensttyp nicht verfügbar",
    }


def test_contract_of_another_customer_is_refused(customer):
    from hostkontor.testing.factories import make_contract

    other = make_customer("K10002", "Andere GmbH")
    contract = make_contract(other, "V-1")
    with pytest.raises(FieldErrors) as error:
        make_entry(customer, PASSWORD, contract=contract)
    assert list(error.value.errors) == ["contract"]


def test_reveal_is_audited_with_who_when_where(customer, technician_user):
    # given an entry
    entry = make_entry(customer, PASSWORD)
    # when a technician reveals it
    secret = entry_reveal(actor=technician_user, entry=entry, ip_address="192.0.2.7")
    # then they get a Secret and the reveal is recorded
    assert isinstance(secret, Secret)
    assert secret.reveal() == PASSWORD
    assert str(secret) == "********"
    event = AuditEvent.objects.get(action="vault.revealed")
    assert (event.actor, event.ip_address, event.object_id, event.customer_id) == (
        technician_user,
        "192.0.2.7",
        str(entry.pk),
        customer.pk,
    )
    assert event.object_type == "vault.vaultentry"


def test_billing_may_not_reveal(customer, billing_user):
    entry = make_entry(customer, PASSWORD)
    with pytest.raises(PermissionDenied):
        entry_reveal(actor=billing_user, entry=entry)
    assert not AuditEvent.objects.filter(action="vault.revealed").exists()


@pytest.mark.parametrize("role", ["Admin", "Support", "Technician"])
def test_roles_that_may_reveal(customer, role):
    user = make_user(f"user-{role.lower()}", role=role)
    entry = make_entry(customer, PASSWORD)
    assert entry_reveal(actor=user, entry=entry).reveal() == PASSWORD


def test_delete_is_audited_and_takes_the_history(customer, technician_user):
    entry = make_entry(customer, PASSWORD)
    entry_update(
        actor=technician_user, entry=entry, data=data_of(entry), password=Secret("x-New-1")
    )
    entry_delete(actor=technician_user, entry=entry)
    assert VaultEntry.objects.count() == 0
    assert VaultPasswordHistory.objects.count() == 0
    assert AuditEvent.objects.filter(action="vault.entry_deleted").count() == 1


# --- keys ------------------------------------------------------------------------------------


def test_wrong_key_fails_loudly(customer, vault_keys):
    # given an entry encrypted under key A
    entry = make_entry(customer, PASSWORD)
    # when only an unrelated key B is configured
    vault_keys(KEY_B)
    # then decrypting names the missing key instead of returning anything
    with pytest.raises(VaultKeyMissing, match="'testA', which is not in the keyring"):
        entry_secret(entry)
    # and a different key under the same id does not authenticate
    vault_keys("testA:" + KEY_B.split(":", 1)[1])
    with pytest.raises(VaultDecryptError, match="does not authenticate"):
        entry_secret(entry)


def test_missing_key_says_how_to_create_one(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("HOSTKONTOR_VAULT_KEYS")
    settings.VAULT_DEFAULT_KEY_FILE = tmp_path / "vault.keys"
    get_keyring.cache_clear()
    with pytest.raises(VaultKeyMissing) as error:
        get_keyring()
    assert str(tmp_path / "vault.keys") in str(error.value)
    assert "python manage.py vault_key --create" in str(error.value)


def test_ensure_embedded_key_creates_a_private_file_once(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("HOSTKONTOR_VAULT_KEYS")
    settings.VAULT_DEFAULT_KEY_FILE = tmp_path / "sub" / "vault.keys"
    path = ensure_embedded_key()
    assert path == tmp_path / "sub" / "vault.keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = path.read_text()
    assert ensure_embedded_key() == path
    assert path.read_text() == content  # never overwritten
    get_keyring.cache_clear()
    assert get_keyring().key_ids == (content.split(":")[0],)


def test_ensure_embedded_key_respects_the_environment(settings, tmp_path, monkeypatch):
    settings.VAULT_DEFAULT_KEY_FILE = tmp_path / "vault.keys"
    assert ensure_embedded_key() is None  # HOSTKONTOR_VAULT_KEYS is set
    assert not (tmp_path / "vault.keys").exists()
    monkeypatch.delenv("HOSTKONTOR_VAULT_KEYS")
    monkeypatch.setenv("HOSTKONTOR_VAULT_KEY_FILE", str(tmp_path / "elsewhere.keys"))
    assert ensure_embedded_key() == tmp_path / "elsewhere.keys"
    assert not (tmp_path / "vault.keys").exists()


def test_world_readable_key_file_is_refused(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("HOSTKONTOR_VAULT_KEYS")
    settings.VAULT_DEFAULT_KEY_FILE = tmp_path / "vault.keys"
    ensure_embedded_key()
    os.chmod(tmp_path / "vault.keys", 0o644)
    get_keyring.cache_clear()
    with pytest.raises(VaultConfigError, match="chmod 600"):
        get_keyring()


def test_vault_key_command_prints_a_new_entry():
    out = StringIO()
    call_command("vault_key", "--new", stdout=out)
    key_id, _, key = out.getvalue().strip().partition(":")
    assert key_id.startswith("k") and len(key) == 44


# --- rotation ----------------------------------------------------------------------------------


def test_rotation_keeps_everything_readable_and_frees_the_old_key(
    customer, technician_user, vault_keys
):
    # given entries and a history row under key A
    entries = [
        make_entry(customer, f"pw-{i}-Geheim", username=f"u{i}@example.net") for i in range(3)
    ]
    empty = make_entry(customer, None, username="nopw@example.net")
    entry_update(
        actor=technician_user,
        entry=entries[0],
        data=data_of(entries[0]),
        password=Secret("pw-0-Neu"),
    )
    # when key B becomes current (A still readable) and the command rotates
    vault_keys(KEY_B, KEY_A)
    out = StringIO()
    call_command("rotate_vault_keys", "--batch-size", "2", stdout=out)
    # then it reports its counts
    text = out.getvalue()
    assert "current key: testB (keys: testB, testA" in text
    assert (
        "vault.VaultEntry.password_ciphertext: 3 rotated, 0 already current, 1 empty, 0 failed"
        in text
    )
    assert (
        "vault.VaultPasswordHistory.password_ciphertext: 1 rotated, 0 already current, 0 empty, 0 failed"
        in text
    )
    assert "rotated 4 value(s)" in text
    # and with key A dropped, every value is still readable
    vault_keys(KEY_B)
    values = [entry_secret(VaultEntry.objects.get(pk=e.pk)).reveal() for e in entries]
    assert values == ["pw-0-Neu", "pw-1-Geheim", "pw-2-Geheim"]
    item = VaultPasswordHistory.objects.get()
    assert history_reveal(actor=technician_user, item=item).reveal() == "pw-0-Geheim"
    assert entry_secret(empty) is None
    # and a second run has nothing left to do
    out = StringIO()
    call_command("rotate_vault_keys", stdout=out)
    assert (
        "vault.VaultEntry.password_ciphertext: 0 rotated, 3 already current, 1 empty, 0 failed"
        in out.getvalue()
    )


def test_rotation_dry_run_writes_nothing(customer, vault_keys):
    entry = make_entry(customer, PASSWORD)
    token = entry.password_ciphertext
    vault_keys(KEY_B, KEY_A)
    out = StringIO()
    call_command("rotate_vault_keys", "--dry-run", stdout=out)
    assert "vault.VaultEntry.password_ciphertext: 1 to rotate" in out.getvalue()
    assert VaultEntry.objects.get(pk=entry.pk).password_ciphertext == token


def test_rotation_reports_undecryptable_values_and_fails(customer, vault_keys):
    good = make_entry(customer, PASSWORD)
    bad = make_entry(customer, "x-other-1", username="b@example.net")
    VaultEntry.objects.filter(pk=bad.pk).update(password_ciphertext=good.password_ciphertext)
    vault_keys(KEY_B, KEY_A)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 value\\(s\\) could not be decrypted"):
        call_command("rotate_vault_keys", stdout=out, stderr=err)
    assert "1 rotated, 0 already current, 0 empty, 1 failed" in out.getvalue()
    assert f"vault.VaultEntry.password_ciphertext pk={bad.pk}" in err.getvalue()
    assert VaultEntry.objects.get(pk=good.pk).password_ciphertext.startswith("v1:testB:")


def test_demo_builder_is_idempotent():
    from hostkontor.checks.models import Check

    from .demo import build

    make_customer()
    assert build() == 6
    assert build() == 0
    assert Check.objects.filter(enabled=False).count() == 2
    assert all(entry_secret(e) for e in VaultEntry.objects.all())
