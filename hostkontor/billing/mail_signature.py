"""The one signature and sender address of every business e-mail the product sends.

§ 35a GmbHG / § 37a HGB require the same company details in business e-mails as on paper:
legal name, registered office, register court and number, managing directors. Invoice mails
(``sending.py``), access-sheet mails (``vault.sheets``) and check alerts (``checks.services``)
all take their signature and their From address from here.
"""

from __future__ import annotations

from django.conf import settings

from .pdf_context import company_lines

PROFILE_FIELDS = (
    "company",
    "street",
    "zip_code",
    "city",
    "phone",
    "email",
    "website",
    "register_court",
    "register_number",
    "register",
    "managing_directors",
)
PHONE = {"de": "Tel.", "en": "Phone"}
UNCONFIGURED_SENDER = "hostkontor@localhost"  # settings.py's fallback


def profile_details(profile=None) -> dict[str, str]:
    """The live seller profile as the plain dict an invoice snapshots (missing fields empty:
    the register is split into court and number by a later migration)."""
    if profile is None:
        from .models import SellerProfile

        profile = SellerProfile.current()
    return {name: str(getattr(profile, name, "") or "") for name in PROFILE_FIELDS}


def mail_signature(seller: dict, language: str) -> str:
    """Company, address, phone, e-mail, then register, seat and managing directors."""
    city = " ".join(part for part in (seller.get("zip_code"), seller.get("city")) if part)
    lines = [seller.get("company", ""), seller.get("street", ""), city]
    if seller.get("phone"):
        lines.append(f"{PHONE.get(language, PHONE['de'])} {seller['phone']}")
    lines += [seller.get("email", ""), seller.get("website", "")]
    lines += company_lines(seller, language)
    return "\n".join(line for line in lines if line)


def sender_address(seller: dict | None = None) -> str:
    """``"Company" <address>``: the address an operator configured
    (``HOSTKONTOR_DEFAULT_FROM_EMAIL``, the one their mail server lets them send as), else
    the seller's e-mail; ``hostkontor@localhost`` only when neither exists."""
    seller = profile_details() if seller is None else seller
    email = settings.DEFAULT_FROM_EMAIL
    if email == UNCONFIGURED_SENDER:
        email = (seller.get("email") or "").strip() or email
    company = (seller.get("company") or "").replace('"', "").strip()
    return f'"{company}" <{email}>' if company and "<" not in email else email
