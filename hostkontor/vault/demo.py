"""Demo password entries (and disabled function checks) for the first demo customers.

Idempotent: customers that already have entries are skipped. Needs a vault key (``make run``
creates the embedded default first)."""

from django.db import transaction

from hostkontor.customers.models import Customer

from .password_generator import generate_password
from .services import EntryData, entry_create

_ENTRIES = [
    ("imap", "implicit", "mail.{domain}", "info@{domain}", "Postfach info@"),
    ("smtp", "starttls", "mail.{domain}", "info@{domain}", "Postausgang info@"),
    ("pop3", "implicit", "mail.{domain}", "buchhaltung@{domain}", ""),
    ("ftps", "starttls", "ftp.{domain}", "web{number}", "Webspace"),
    ("mysql", "none", "db.{domain}", "db{number}", "Shop-Datenbank"),
    ("web", "implicit", "panel.{domain}", "k{number}", "Kundenmenü"),
]


@transaction.atomic
def build(stdout=None) -> int:
    from hostkontor.checks.services import check_create

    created = 0
    for customer in Customer.objects.order_by("number")[:5]:
        if customer.vault_entries.exists():
            continue
        domain = (customer.website or "").split("//")[-1].strip("/").removeprefix("www.") or (
            f"{customer.number.lower()}.example.net"
        )
        number = "".join(c for c in customer.number if c.isdigit())
        for service_type, tls, host, username, label in _ENTRIES:
            entry = entry_create(
                actor=None,
                customer=customer,
                data=EntryData(
                    service_type=service_type,
                    tls_mode=tls,
                    host=host.format(domain=domain),
                    username=username.format(domain=domain, number=number),
                    label=label,
                    tags="demo",
                ),
                password=generate_password(16, readable=True),
            )
            if service_type in ("imap", "web"):
                # disabled: the demo hosts are not ours to probe
                check_create(actor=None, entry=entry, values={"enabled": False})
            created += 1
    if stdout is not None:
        stdout.write(f"vault: {created} demo entries")
    return created
