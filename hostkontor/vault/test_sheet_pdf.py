import io

import pikepdf
import pytest

from hostkontor.vault.crypto import Secret
from hostkontor.vault.sheet_pdf import encrypt_pdf

PASSWORD = "Sheet-Passwort-9931"
CONTENT_MARKER = b"Mailbox-Zugang-ABC123"


def make_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    stream = b"BT /F1 12 Tf 72 770 Td (" + CONTENT_MARKER + b") Tj ET"
    pdf.pages[0].Contents = pdf.make_stream(stream)
    pdf.docinfo["/Title"] = "Zugangsdaten"
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def test_encrypted_sheet_opens_only_with_the_password():
    # given an unencrypted PDF whose content is readable in the raw bytes
    plain = make_pdf()
    assert CONTENT_MARKER in plain
    # when it is encrypted
    encrypted = encrypt_pdf(plain, Secret(PASSWORD))
    # then it can't be opened without or with a wrong password
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(encrypted))
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(encrypted), password="wrong")
    # and opens with it, AES-256 (R=6), content intact
    with pikepdf.open(io.BytesIO(encrypted), password=PASSWORD) as pdf:
        assert pdf.is_encrypted
        assert pdf.encryption.R == 6
        assert pdf.encryption.stream_method.name == "aesv3"
        assert pdf.encryption.bits == 256
        assert CONTENT_MARKER in pdf.pages[0].Contents.read_bytes()
        assert str(pdf.docinfo["/Title"]) == "Zugangsdaten"


def test_password_and_content_do_not_appear_in_encrypted_bytes():
    encrypted = encrypt_pdf(make_pdf(), PASSWORD)
    assert PASSWORD.encode() not in encrypted
    assert PASSWORD.encode("utf-16-be") not in encrypted
    assert CONTENT_MARKER not in encrypted
    assert b"Zugangsdaten" not in encrypted


def test_owner_password_defaults_to_a_random_one():
    encrypted = encrypt_pdf(make_pdf(), PASSWORD)
    with pikepdf.open(io.BytesIO(encrypted), password=PASSWORD) as pdf:
        assert pdf.owner_password_matched is False
        assert pdf.user_password_matched is True
        assert pdf.allow.modify_other is False
        assert pdf.allow.print_highres is True


def test_explicit_owner_password_works():
    encrypted = encrypt_pdf(make_pdf(), PASSWORD, owner_password="owner-pw-77")
    with pikepdf.open(io.BytesIO(encrypted), password="owner-pw-77") as pdf:
        assert pdf.owner_password_matched is True


@pytest.mark.parametrize(
    ("pdf", "password", "message"),
    [
        (b"%PDF-1.7 not really", PASSWORD, "the input is not a readable PDF"),
        (b"", PASSWORD, "expected the PDF as non-empty bytes"),
        (None, "", "the user password of an encrypted sheet must not be empty"),
    ],
)
def test_invalid_input_is_rejected(pdf, password, message):
    with pytest.raises(ValueError) as info:
        encrypt_pdf(make_pdf() if pdf is None else pdf, password)
    assert str(info.value) == message


def test_already_encrypted_input_is_rejected():
    encrypted = encrypt_pdf(make_pdf(), PASSWORD)
    with pytest.raises(ValueError, match="already encrypted"):
        encrypt_pdf(encrypted, "other")
