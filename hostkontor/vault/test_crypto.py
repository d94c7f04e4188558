import base64
import os
import pickle
import stat
import traceback

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostkontor.vault.crypto import (
    ENV_KEY_FILE,
    ENV_KEYS,
    Keyring,
    Secret,
    VaultConfigError,
    VaultDecryptError,
    VaultKeyMissing,
    aad_for,
    generate_key_file,
    new_key_entry,
)

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(32, 64))).decode()
AAD = aad_for("mail_mailbox", 42, "password")
PLAINTEXT = "Zugang-Geheim-4711"


def ring(spec: str = f"a:{KEY_A}") -> Keyring:
    return Keyring.from_environment({ENV_KEYS: spec})


def assert_no_leak(exc: BaseException, *needles: str) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)
    for needle in needles:
        assert needle not in text


# --- round trip and format -------------------------------------------------


def test_encrypt_then_decrypt_returns_the_plaintext_as_secret():
    # given a keyring with one key
    keyring = ring()
    # when a value is encrypted and decrypted with the same aad
    token = keyring.encrypt(PLAINTEXT, AAD)
    value = keyring.decrypt(token, AAD)
    # then the token is versioned, names the key, and hides the plaintext
    assert token.startswith("v1:a:")
    assert PLAINTEXT not in token
    assert isinstance(value, Secret)
    assert value.reveal() == PLAINTEXT


def test_token_payload_is_nonce_plus_ciphertext_plus_tag():
    keyring = ring()
    token = keyring.encrypt(PLAINTEXT, AAD)
    blob = base64.b64decode(token.split(":")[2])
    assert len(blob) == 12 + len(PLAINTEXT.encode()) + 16


def test_same_plaintext_encrypts_to_different_tokens():
    keyring = ring()
    assert keyring.encrypt(PLAINTEXT, AAD) != keyring.encrypt(PLAINTEXT, AAD)


@settings(max_examples=50, deadline=None)
@given(plaintext=st.text(max_size=200), pk=st.integers(min_value=1, max_value=10**12))
def test_round_trip_for_any_text(plaintext, pk):
    keyring = ring()
    aad = aad_for("t", pk, "f")
    assert keyring.decrypt(keyring.encrypt(plaintext, aad), aad).reveal() == plaintext


def test_encrypt_accepts_a_secret():
    keyring = ring()
    token = keyring.encrypt(Secret(PLAINTEXT), AAD)
    assert keyring.decrypt(token, AAD).reveal() == PLAINTEXT


# --- associated data -------------------------------------------------------


@pytest.mark.parametrize(
    "other_aad",
    [
        aad_for("mail_mailbox", 43, "password"),  # another row
        aad_for("mail_mailbox", 42, "ftp_password"),  # another field
        aad_for("ftp_account", 42, "password"),  # another table
    ],
)
def test_token_copied_to_another_row_or_field_fails(other_aad):
    # given a token stored for mail_mailbox:42:password
    keyring = ring()
    token = keyring.encrypt(PLAINTEXT, AAD)
    # when it is decrypted in another place
    with pytest.raises(VaultDecryptError) as info:
        keyring.decrypt(token, other_aad)
    # then it fails without leaking plaintext or ciphertext
    assert "another row/field" in str(info.value)
    assert_no_leak(info.value, PLAINTEXT, token.split(":")[2])
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_aad_for_format_and_validation():
    assert aad_for("mail_mailbox", 42, "password") == "mail_mailbox:42:password"
    with pytest.raises(ValueError, match="pk must be set"):
        aad_for("mail_mailbox", None, "password")
    with pytest.raises(ValueError, match="table"):
        aad_for("a:b", 1, "password")


# --- tampering and malformed tokens ----------------------------------------


def test_tampered_ciphertext_fails():
    keyring = ring()
    token = keyring.encrypt(PLAINTEXT, AAD)
    blob = bytearray(base64.b64decode(token.split(":")[2]))
    blob[-1] ^= 1
    tampered = "v1:a:" + base64.b64encode(bytes(blob)).decode()
    with pytest.raises(VaultDecryptError) as info:
        keyring.decrypt(tampered, AAD)
    assert_no_leak(info.value, PLAINTEXT, tampered.split(":")[2])


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("garbage", "malformed vault token: expected 'v1:<key_id>:<base64>'"),
        ("v2:a:AAAA", "unsupported vault token version (expected 'v1')"),
        ("v1:a:!!!notbase64!!!", "malformed vault token: payload is not valid base64"),
        ("v1:a:" + base64.b64encode(b"short").decode(), "malformed vault token: payload too short"),
        ("v1:a b:AAAA", "malformed vault token: bad key id"),
    ],
)
def test_malformed_tokens_raise_clear_errors(token, message):
    with pytest.raises(VaultDecryptError) as info:
        ring().decrypt(token, AAD)
    assert str(info.value) == message


def test_unknown_key_id_raises_key_missing():
    token = ring(f"old:{KEY_A}").encrypt(PLAINTEXT, AAD)
    with pytest.raises(VaultKeyMissing) as info:
        ring(f"new:{KEY_B}").decrypt(token, AAD)
    assert str(info.value) == (
        "vault token was encrypted with key 'old', which is not in the keyring (known: new)"
    )


def test_wrong_key_with_same_id_fails():
    token = ring(f"a:{KEY_A}").encrypt(PLAINTEXT, AAD)
    with pytest.raises(VaultDecryptError):
        ring(f"a:{KEY_B}").decrypt(token, AAD)


# --- rotation ---------------------------------------------------------------


def test_rotation_without_downtime():
    # given values encrypted under the old key
    old_ring = ring(f"old:{KEY_A}")
    token = old_ring.encrypt(PLAINTEXT, AAD)
    # when a new key is added in front of the old one
    both = ring(f"new:{KEY_B},old:{KEY_A}")
    # then old tokens still decrypt and are flagged for rotation
    assert both.decrypt(token, AAD).reveal() == PLAINTEXT
    assert both.needs_rotation(token) is True
    # when rotated
    rotated = both.rotate(token, AAD)
    # then it uses the new key, needs no further rotation, and survives dropping the old key
    assert rotated.startswith("v1:new:")
    assert both.needs_rotation(rotated) is False
    assert both.rotate(rotated, AAD) == rotated
    assert ring(f"new:{KEY_B}").decrypt(rotated, AAD).reveal() == PLAINTEXT


def test_rotate_refuses_token_for_another_place():
    both = ring(f"new:{KEY_B},old:{KEY_A}")
    token = ring(f"old:{KEY_A}").encrypt(PLAINTEXT, AAD)
    with pytest.raises(VaultDecryptError):
        both.rotate(token, aad_for("mail_mailbox", 99, "password"))


# --- key configuration -----------------------------------------------------


def test_first_key_is_current_and_order_is_kept():
    keyring = ring(f"b:{KEY_B}, a:{KEY_A}")
    assert keyring.current_key_id == "b"
    assert keyring.key_ids == ("b", "a")


def test_no_configuration_raises_key_missing():
    with pytest.raises(VaultKeyMissing) as info:
        Keyring.from_environment({"DJANGO_SECRET_KEY": "x" * 50, "SECRET_KEY": "y" * 50})
    assert str(info.value) == (
        "no vault key configured: set HOSTKONTOR_VAULT_KEYS (id:base64key,...) or "
        "HOSTKONTOR_VAULT_KEY_FILE (path of a mode-0600 key file)"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nokey", "HOSTKONTOR_VAULT_KEYS entry 1: expected 'id:base64key'"),
        (
            f"a:{base64.b64encode(b'x' * 16).decode()}",
            "HOSTKONTOR_VAULT_KEYS entry 1 ('a'): key must be 32 bytes (AES-256), got 16",
        ),
        ("a:%%%", "HOSTKONTOR_VAULT_KEYS entry 1 ('a'): key is not valid base64"),
        (f"a:{KEY_A},a:{KEY_B}", "HOSTKONTOR_VAULT_KEYS entry 2: duplicate key id 'a'"),
    ],
)
def test_malformed_key_configuration(spec, message):
    with pytest.raises(VaultConfigError) as info:
        ring(spec)
    assert str(info.value) == message
    assert KEY_A not in str(info.value) and KEY_B not in str(info.value)


def test_urlsafe_base64_keys_are_accepted():
    key = base64.urlsafe_b64encode(b"\xfb" * 32).decode().rstrip("=")
    assert ring(f"u:{key}").current_key_id == "u"


def test_both_sources_configured_is_refused(tmp_path):
    with pytest.raises(VaultConfigError, match="not both"):
        Keyring.from_environment({ENV_KEYS: f"a:{KEY_A}", ENV_KEY_FILE: str(tmp_path / "k")})


def test_generate_key_file_creates_0600_file_usable_by_from_environment(tmp_path):
    # given no key file yet (and a permissive umask)
    path = tmp_path / "vault.keys"
    old_umask = os.umask(0)
    try:
        # when a key file is generated
        key_id = generate_key_file(path)
    finally:
        os.umask(old_umask)
    # then it is private and provides the current key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keyring = Keyring.from_environment({ENV_KEY_FILE: str(path)})
    assert keyring.key_ids == (key_id,)
    token = keyring.encrypt(PLAINTEXT, AAD)
    assert keyring.decrypt(token, AAD).reveal() == PLAINTEXT


def test_generate_key_file_never_overwrites(tmp_path):
    path = tmp_path / "vault.keys"
    generate_key_file(path, key_id="first")
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        generate_key_file(path)
    assert path.read_bytes() == before


def test_key_file_with_comments_and_rotation_order(tmp_path):
    path = tmp_path / "vault.keys"
    path.write_text(f"# rotated 2025-01\nnew:{KEY_B}\n\nold:{KEY_A}\n")
    path.chmod(0o640)
    keyring = Keyring.from_environment({ENV_KEY_FILE: str(path)})
    assert keyring.key_ids == ("new", "old")


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o602])
def test_world_accessible_key_file_is_refused(tmp_path, mode):
    path = tmp_path / "vault.keys"
    path.write_text(f"a:{KEY_A}\n")
    path.chmod(mode)
    with pytest.raises(VaultConfigError) as info:
        Keyring.from_environment({ENV_KEY_FILE: str(path)})
    assert str(info.value) == (
        f"vault key file {str(path)!r} is accessible to other users "
        f"(mode {mode:04o}); run: chmod 600 {path}"
    )
    assert KEY_A not in str(info.value)


def test_missing_key_file_raises_key_missing(tmp_path):
    with pytest.raises(VaultKeyMissing, match="does not exist"):
        Keyring.from_environment({ENV_KEY_FILE: str(tmp_path / "absent")})


def test_new_key_entry_is_a_valid_32_byte_key():
    key_id, _, encoded = new_key_entry("k1").partition(":")
    assert key_id == "k1"
    assert len(base64.b64decode(encoded)) == 32


# --- no leaks ----------------------------------------------------------------


def test_keyring_repr_shows_ids_only_and_cannot_be_pickled():
    keyring = ring(f"new:{KEY_B},old:{KEY_A}")
    assert repr(keyring) == "<Keyring current='new' keys=['new', 'old']>"
    with pytest.raises(TypeError):
        pickle.dumps(keyring)


def test_secret_masks_itself_everywhere():
    secret = Secret(PLAINTEXT)
    rendered = [str(secret), repr(secret), f"{secret}", f"{secret!r}"]
    rendered.append("%s %r" % (secret, secret))  # noqa: UP031 - the style logging uses
    rendered.append(repr({"password": secret}))
    rendered.append(repr([secret]))
    assert all(PLAINTEXT not in text for text in rendered)
    assert str(secret) == repr(secret) == f"{secret:>20}" == "********"
    assert secret.reveal() == PLAINTEXT


def test_secret_is_immutable_unpicklable_and_compares_by_value():
    secret = Secret(PLAINTEXT)
    with pytest.raises(AttributeError):
        secret._value = "other"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret == Secret(PLAINTEXT)
    assert secret != Secret("other")
    assert secret != PLAINTEXT  # no accidental comparison with plain strings
    assert bool(Secret("")) is False
    with pytest.raises(TypeError):
        Secret(123)


def test_secret_does_not_leak_into_tracebacks():
    def handler(password):
        raise RuntimeError("boom")

    try:
        handler(Secret(PLAINTEXT))
    except RuntimeError as exc:
        import sys

        text = "".join(traceback.TracebackException(*sys.exc_info(), capture_locals=True).format())
        assert "boom" in text
        assert PLAINTEXT not in text
        assert "********" in text
        del exc


def test_failing_encryption_keeps_the_plaintext_out_of_the_traceback_locals():
    # given a call that fails inside encrypt (no associated data)
    with pytest.raises(ValueError, match="associated data") as failure:
        ring().encrypt(Secret(PLAINTEXT), "")
    # when its traceback is formatted with the locals of every frame
    text = "".join(
        traceback.TracebackException.from_exception(failure.value, capture_locals=True).format()
    )
    # then the plain text is in none of them
    assert "plaintext = ********" in text
    assert PLAINTEXT not in text
