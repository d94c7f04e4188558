"""Demo customers: a realistic mix of German agencies' clients, plus a few abroad."""

import random

from django.db import transaction

from .models import Customer
from .services import CustomerData, contact_save, customer_create

DMMD_NUMBER = "K10001"

_FIXED = [
    (
        DMMD_NUMBER,
        CustomerData(
            company="dmmd GmbH & Co. KG internet & network services",
            street="Osnabrücker Straße 12",
            zip_code="49176",
            city="Hilter",
            country="DE",
            vat_id="DE136695976",
            email="buchhaltung@dmmd.de",
            phone="+49 5424 2020",
            website="https://www.dmmd.de",
        ),
        [("mr", "Sönke", "Kahl", "s.kahl@dmmd.de", True, True, True)],
    ),
    (
        "K10002",
        CustomerData(
            company="Bäckerei Müller GmbH",
            street="Hauptstraße 5",
            zip_code="49074",
            city="Osnabrück",
            email="rechnung@baeckerei-mueller.de",
        ),
        [("ms", "Anke", "Müller", "anke@baeckerei-mueller.de", True, False, True)],
    ),
    (
        "K10003",
        CustomerData(
            company="Alpenblick Hotels AG",
            street="Seestrasse 21",
            zip_code="8002",
            city="Zürich",
            country="CH",
            email="finance@alpenblick.example",
            language="de",
        ),
        [],
    ),
    (
        "K10004",
        CustomerData(
            company="Webdesign Janssen B.V.",
            street="Keizersgracht 100",
            zip_code="1015 CX",
            city="Amsterdam",
            country="NL",
            vat_id="NL004495445B01",
            email="billing@janssen.example",
            language="en",
        ),
        [],
    ),
]

_PREFIXES = [
    "Autohaus",
    "Zahnarztpraxis",
    "Steuerberatung",
    "Tischlerei",
    "Elektro",
    "Reisebüro",
    "Immobilien",
    "Sanitär",
    "Physiotherapie",
    "Fahrschule",
    "Weingut",
    "Gärtnerei",
    "Rechtsanwälte",
    "Architekturbüro",
    "Druckerei",
    "Brauerei",
]
_NAMES = [
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
]
_FORMS = ["GmbH", "GmbH & Co. KG", "e.K.", "OHG", "AG", "UG (haftungsbeschränkt)", "GbR"]
_CITIES = [
    ("49176", "Hilter"),
    ("49074", "Osnabrück"),
    ("33602", "Bielefeld"),
    ("48143", "Münster"),
    ("49324", "Melle"),
    ("32052", "Herford"),
    ("20095", "Hamburg"),
    ("10115", "Berlin"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("49201", "Dissen"),
    ("49186", "Bad Iburg"),
]
_STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Lindenweg",
    "Industriestraße",
    "Am Markt",
    "Gartenstraße",
]
_FIRST = [
    "Thomas",
    "Sabine",
    "Michael",
    "Julia",
    "Andreas",
    "Katrin",
    "Jan",
    "Nicole",
    "Stefan",
    "Petra",
]


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-", "&": "", ".": ""})
    return "-".join(filter(None, text.lower().translate(table).split("-")))[:30]


def demo_customers(count: int = 50) -> list[tuple[str, CustomerData, list]]:
    rng = random.Random(20030120)  # deterministic: the same demo data on every machine
    rows = list(_FIXED)
    number = 10005
    while len(rows) < count:
        name = rng.choice(_NAMES)
        company = f"{rng.choice(_PREFIXES)} {name} {rng.choice(_FORMS)}"
        zip_code, city = rng.choice(_CITIES)
        domain = _slug(f"{name}-{city}") + ".de"
        contact = (
            rng.choice(["mr", "ms"]),
            rng.choice(_FIRST),
            name,
            f"info@{domain}",
            True,
            rng.random() < 0.5,
            rng.random() < 0.5,
        )
        rows.append(
            (
                f"K{number}",
                CustomerData(
                    company=company,
                    street=f"{rng.choice(_STREETS)} {rng.randint(1, 120)}",
                    zip_code=zip_code,
                    city=city,
                    email=f"rechnung@{domain}",
                    phone=f"+49 5{rng.randint(100, 999)} {rng.randint(10000, 99999)}",
                    website=f"https://www.{domain}",
                    payment_terms_days=rng.choice([7, 14, 14, 30]),
                ),
                [contact],
            )
        )
        number += 1
    return rows


@transaction.atomic
def build(stdout=None) -> int:
    """Create the demo customers that do not exist yet. Returns how many were created."""
    created = 0
    existing = set(Customer.objects.values_list("number", flat=True))
    for number, data, contacts in demo_customers():
        if number in existing:
            continue
        customer = customer_create(actor=None, data=data, number=number)
        for salutation, first, last, email, billing, technical, management in contacts:
            contact_save(
                actor=None,
                customer=customer,
                values={
                    "salutation": salutation,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "is_billing": billing,
                    "is_technical": technical,
                    "is_management": management,
                },
            )
        created += 1
    if stdout:
        stdout.write(f"customers: {created} created")
    return created
