"""Password-protect a generated access-data sheet (PDF) with AES-256.

The sheet itself is rendered elsewhere (WeasyPrint); this module only
encrypts the finished bytes with pikepdf, security handler revision 6
(AES-256, PDF 2.0 / ISO 32000-2).
"""

from __future__ import annotations

import io
import secrets

import pikepdf

from hostkontor.vault.crypto import Secret, reveal

__all__ = ["encrypt_pdf"]


def encrypt_pdf(
    pdf: bytes,
    user_password: Secret | str,
    owner_password: Secret | str | None = None,
    *,
    allow_print: bool = True,
    allow_extract: bool = False,
) -> bytes:
    """Return ``pdf`` encrypted with AES-256 (R=6).

    ``user_password`` opens the document. ``owner_password`` defaults to a
    random one nobody knows, so the permission restrictions can't be lifted with
    a well-known owner password. Raises ``ValueError`` for an empty password or
    input that is not a PDF; the messages never contain the passwords.
    """
    user = reveal(user_password)
    if not user:
        raise ValueError("the user password of an encrypted sheet must not be empty")
    owner = reveal(owner_password) if owner_password is not None else secrets.token_urlsafe(32)
    if not owner:
        raise ValueError("the owner password must not be empty")
    if not isinstance(pdf, bytes | bytearray) or not pdf:
        raise ValueError("expected the PDF as non-empty bytes")
    try:
        document = pikepdf.open(io.BytesIO(bytes(pdf)))
    except pikepdf.PasswordError:
        raise ValueError("the input PDF is already encrypted") from None
    except pikepdf.PdfError:
        raise ValueError("the input is not a readable PDF") from None
    permissions = pikepdf.Permissions(
        extract=allow_extract,
        accessibility=True,
        modify_annotation=False,
        modify_assembly=False,
        modify_form=False,
        modify_other=False,
        print_lowres=allow_print,
        print_highres=allow_print,
    )
    out = io.BytesIO()
    with document:
        document.save(
            out,
            encryption=pikepdf.Encryption(
                owner=owner, user=user, R=6, allow=permissions, metadata=True
            ),
        )
    return out.getvalue()
