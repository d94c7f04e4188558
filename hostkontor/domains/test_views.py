"""The domain pages: content, fixed query counts, permissions, the mapping and import UI."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hostkontor.customers.models import Customer
from hostkontor.imports.mapping import load_mapping
from hostkontor.testing.factories import make_customer
from hostkontor.testing.queries import count_queries
from hostkontor.testing.users import make_user

from .conftest import SAMPLES, import_in_the_web, sample_bytes
from .mappings import mapping_import
from .models import (
    Domain,
    Registrar,
    RegistrarImport,
    RegistrarMapping,
    RegistrarUpload,
    TldPrice,
)
from .reconciliation import registrar_import
from .services import DomainData, domain_auth_code, domain_create, domain_move
from .test_import import EXPECTED, empty

pytestmark = pytest.mark.django_db
AUTH_CODE = "Geheim:AUTH-4711"


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def rows_of(page: str, testid: str) -> list[str]:
    """The data-domain values of the rows of one table."""
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-domain="([^"]+)"', table)


@pytest.fixture
def price():
    TldPrice.objects.create(
        tld="de",
        registrar="",
        sale_price_year=Decimal("12.00"),
        cost_year=Decimal("4.50"),
        valid_from=date(2000, 1, 1),
    )


def make_domains(customer, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        domain_create(
            actor=None,
            customer=customer,
            data=DomainData(name=f"d{i:03d}.de", registrar="joker", expires=date(2027, 1, 1)),
            on=date(2025, 1, 1),
        )


def test_login_is_required(client):
    response = client.get(reverse("domains:list"))
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/domains/")


def test_the_company_overview_shows_current_and_former_domains_with_due_dates(admin_client, price):
    # given K10001 had old.de until it moved to K10002, and holds new.de
    old_owner, new_owner = make_customer("K10001"), make_customer("K10002", "Bäckerei Müller GmbH")
    moved = domain_create(
        actor=None, customer=old_owner, data=DomainData(name="old.de"), on=date(2024, 1, 1)
    )
    domain_create(
        actor=None,
        customer=old_owner,
        data=DomainData(name="new.de", registrar="joker", expires=date(2027, 3, 1)),
        on=date(2025, 3, 1),
        billed_until=date(2026, 2, 28),
    )
    domain_move(actor=None, domain=moved, to_customer=new_owner, on=date(2024, 7, 1))
    # when the overview of K10001 is opened
    page = html(admin_client.get(reverse("domains:customer", args=[old_owner.pk])))
    # then it lists new.de as current and old.de as former, in German
    assert "Domainübersicht der Firma" in page
    assert rows_of(page, "current-domains") == ["new.de"]
    assert rows_of(page, "former-domains") == ["old.de"]
    current = page.split('data-domain="new.de"', 1)[1].split("</tr>", 1)[0]
    # billed until 28.02.2026, next due 01.03.2026 (yearly in advance), registrar expiry
    assert 'data-testid="billed-until">28.02.2026<' in current
    assert 'data-testid="due">01.03.2026<' in current
    assert 'data-testid="expires">01.03.2027<' in current
    former = page.split('data-domain="old.de"', 1)[1].split("</tr>", 1)[0]
    assert "01.01.2024" in former and "30.06.2024" in former
    # and the new owner sees it as current
    page = html(admin_client.get(reverse("domains:customer", args=[new_owner.pk])))
    assert rows_of(page, "current-domains") == ["old.de"]
    assert rows_of(page, "former-domains") == []


def test_pages_run_a_fixed_number_of_queries_whatever_the_row_count(admin_client, price):
    customer = make_customer("K10001")
    make_domains(customer, 3)
    urls = [
        reverse("domains:list"),
        reverse("domains:list") + "?unbilled=1&mismatched=1&expiring=30",
        reverse("domains:customer", args=[customer.pk]),
        reverse("customers:detail", args=[customer.pk]),  # the hub panel
    ]
    few = [count_queries(admin_client, url) for url in urls]
    make_domains(customer, 60, start=3)
    many = [count_queries(admin_client, url) for url in urls]
    assert few == many


def test_import_detail_runs_a_fixed_number_of_queries(admin_client, demo):
    imp_small = RegistrarImport.objects.get(
        pk=import_in_the_web(
            admin_client,
            {
                "registrar": "gandi",
                "format": "gandi",
                "file": SimpleUploadedFile("g.json", sample_bytes("gandi")),
            },
        )["Location"]
        .rstrip("/")
        .rsplit("/", 1)[1]
    )
    imp_big = RegistrarImport.objects.get(
        pk=import_in_the_web(
            admin_client,
            {
                "registrar": "joker",
                "format": "joker",
                "file": SimpleUploadedFile("j.txt", sample_bytes("joker")),
            },
        )["Location"]
        .rstrip("/")
        .rsplit("/", 1)[1]
    )
    assert count_queries(
        admin_client, reverse("domains:import_detail", args=[imp_small.pk])
    ) == count_queries(admin_client, reverse("domains:import_detail", args=[imp_big.pk]))


def test_the_settings_lists_run_a_fixed_number_of_queries_whatever_the_row_count(
    admin_client, demo
):
    # given imports, registrars with stored mappings, and TLD prices
    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            mapping = mapping_import(
                actor=None,
                toml=f'name = "Mapping {i}"\nkind = "csv"\n[fields.domain]\ncolumn = 0\n',
            )
            registrar_import(
                actor=None,
                registrar=f"reg{i}",
                data=sample_bytes("gandi"),
                filename="g.json",
                format="gandi",
            )
            Registrar.objects.filter(name=f"reg{i}").update(mapping=mapping)
            TldPrice.objects.create(
                tld=f"t{i}",
                registrar=f"reg{i}",
                sale_price_year=Decimal("10.00"),
                cost_year=Decimal("5.00"),
                valid_from=date(2000, 1, 1),
            )

    urls = [
        reverse("domains:imports"),
        reverse("domains:mappings"),
        reverse("domains:registrars"),
        reverse("domains:prices"),
    ]
    add(0, 2)
    # when the lists are opened with 2 and with 22 rows each
    few = [count_queries(admin_client, url) for url in urls]
    add(2, 20)
    many = [count_queries(admin_client, url) for url in urls]
    # then the number of queries stays the same
    assert few == many


def test_the_list_filters(admin_client, demo):
    import_in_the_web(
        admin_client,
        {
            "registrar": "joker",
            "format": "joker",
            "file": SimpleUploadedFile("j.txt", sample_bytes("joker")),
        },
    )
    url = reverse("domains:list")
    page = html(admin_client.get(url, {"registrar": "joker", "mismatched": "1"}))
    assert rows_of(page, "domain-table") == [
        "alte-kampagne.eu",
        "baeckerei-schmidt.de",
        "beispiel-agentur.de",
        "dmmd.de",
        "muster-gmbh.de",
    ]
    # the differences are named in German, the kind stays in data-issue
    assert (
        '<span class="badge text-bg-warning" data-issue="expiry_mismatch">Ablaufdatum weicht ab</span>'
        in page
    )
    page = html(admin_client.get(url, {"unbilled": "1"}))
    assert rows_of(page, "domain-table") == [
        "alte-kampagne.eu",
        "baeckerei-schmidt.de",
        "beispiel-agentur.de",
        "beispiel-agentur.io",
        "muster-gmbh.net",
        "müller.de",
    ]
    page = html(admin_client.get(url, {"tld": "com", "status": "active"}))
    assert rows_of(page, "domain-table") == ["example-shop.com", "hotel-alpenblick.com"]
    page = html(admin_client.get(url, {"q": "xn--mller"}))
    assert rows_of(page, "domain-table") == ["müller.de"]
    # expiring within N days counts from today
    Domain.objects.filter(name="dmmd.de").update(expires=timezone.localdate() + timedelta(days=20))
    assert rows_of(html(admin_client.get(url, {"expiring": "30"})), "domain-table") == ["dmmd.de"]
    assert rows_of(html(admin_client.get(url, {"expiring": "10"})), "domain-table") == []


def test_the_list_is_paginated(admin_client, price):
    make_domains(make_customer("K10001"), 55)
    first = html(admin_client.get(reverse("domains:list")))
    second = html(admin_client.get(reverse("domains:list"), {"page": 2}))
    assert len(rows_of(first, "domain-table")) == 50
    assert rows_of(second, "domain-table") == [f"d{i:03d}.de" for i in range(50, 55)]


def test_the_auth_code_never_appears_in_a_page(admin_client, price):
    customer = make_customer("K10001")
    # when the auth code is entered in the form
    response = admin_client.post(
        reverse("domains:create", args=[customer.pk]),
        {"name": "secret.de", "on": "2026-01-01", "status": "active", "auth_code": AUTH_CODE},
    )
    assert response.status_code == 302
    domain = Domain.objects.get(name="secret.de")
    assert domain_auth_code(domain).reveal() == AUTH_CODE
    # then no page shows it, not even the edit form
    for url in [
        reverse("domains:list"),
        reverse("domains:detail", args=[domain.pk]),
        reverse("domains:edit", args=[domain.pk]),
        reverse("domains:customer", args=[customer.pk]),
        reverse("customers:detail", args=[customer.pk]),
    ]:
        page = html(admin_client.get(url))
        assert AUTH_CODE not in page
        assert domain.auth_code_token not in page
    detail = html(admin_client.get(reverse("domains:detail", args=[domain.pk])))
    assert 'data-testid="auth-code">gespeichert (verschlüsselt)<' in detail


def test_domain_create_form_creates_the_contract_from_the_price_list(admin_client, price):
    customer = make_customer("K10001")
    response = admin_client.post(
        reverse("domains:create", args=[customer.pk]),
        {
            "name": "neu.de",
            "on": "2026-05-01",
            "status": "active",
            "registrar": "joker",
            "auto_renew": "on",
        },
    )
    assert response["Location"] == reverse("domains:customer", args=[customer.pk])
    domain = Domain.objects.get(name="neu.de")
    assert list(domain.contracts.values_list("start", "fee", "interval", "mode")) == [
        (date(2026, 5, 1), Decimal("12.00"), "year", "advance")
    ]


def test_domain_create_form_shows_service_errors(admin_client):
    customer = make_customer("K10001")
    response = admin_client.post(
        reverse("domains:create", args=[customer.pk]),
        {"name": "neu.de", "on": "2026-05-01", "status": "active"},
    )
    assert response.status_code == 200
    assert "keinen Preis für .de" in response.content.decode()
    assert Domain.objects.count() == 0


def test_move_form(admin_client, price):
    old, new = make_customer("K10001"), make_customer("K10002")
    domain = domain_create(
        actor=None, customer=old, data=DomainData(name="a.de"), on=date(2025, 1, 1)
    )
    response = admin_client.post(
        reverse("domains:move", args=[domain.pk]),
        {"to_customer": "K10002", "on": "2025-04-01", "create_contract": "on"},
    )
    assert response["Location"] == reverse("domains:detail", args=[domain.pk])
    domain.refresh_from_db()
    assert domain.customer == new
    page = html(admin_client.get(reverse("domains:detail", args=[domain.pk])))
    ownerships = page.split('data-testid="ownerships"', 1)[1].split("</table>", 1)[0]
    assert ownerships.index("K10002") < ownerships.index("K10001")  # newest first
    # an unknown customer number is a form error
    response = admin_client.post(
        reverse("domains:move", args=[domain.pk]), {"to_customer": "K99999", "on": "2025-05-01"}
    )
    assert "K99999" in response.content.decode()


def test_price_list_page_adds_prices(admin_client):
    response = admin_client.post(
        reverse("domains:prices"),
        {
            "tld": ".com",
            "registrar": "",
            "sale_price_year": "18,00",
            "cost_year": "9,80",
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    assert list(TldPrice.objects.values_list("tld", "sale_price_year", "cost_year")) == [
        ("com", Decimal("18.00"), Decimal("9.80"))
    ]
    page = html(admin_client.get(reverse("domains:prices")))
    assert 'data-tld="com"' in page


# Imports in the UI -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_every_sample_imported_in_the_ui_shows_its_reconciliation(admin_client, demo, fmt):
    response = import_in_the_web(
        admin_client,
        {
            "registrar": fmt,
            "format": fmt,
            "file": SimpleUploadedFile(SAMPLES[fmt], sample_bytes(fmt)),
        },
    )
    imp = RegistrarImport.objects.get()
    assert response["Location"] == reverse("domains:import_detail", args=[imp.pk])
    page = html(admin_client.get(response["Location"]))
    for kind in [
        "missing_in_hostkontor",
        "missing_at_registrar",
        "expiry_mismatch",
        "status_mismatch",
        "unbilled",
        "ended_but_renewing",
    ]:
        shown = page.split(f'data-testid="list-{kind}"', 1)[1].split("</div></div>", 1)[0]
        count = re.search(r'data-testid="count-' + kind + r'">(\d+)<', shown).group(1)
        assert int(count) == len(EXPECTED[fmt][kind])
        assert re.findall(r'<tr data-domain="([^"]+)"', shown) == [
            i["domain"] for i in EXPECTED[fmt][kind]
        ]
    as_json = admin_client.get(reverse("domains:import_json", args=[imp.pk]))
    assert json.loads(as_json.content) == EXPECTED[fmt]
    stored = admin_client.get(reverse("domains:import_file", args=[imp.pk]))
    assert stored.content == sample_bytes(fmt)
    listed = html(admin_client.get(reverse("domains:imports")))
    assert SAMPLES[fmt] in listed


def test_a_faulty_upload_shows_the_location_and_stores_nothing(admin_client, demo):
    data = sample_bytes("joker").replace(b"2025-01-09", b"2025-01-32")
    response = import_in_the_web(
        admin_client,
        {"registrar": "joker", "format": "joker", "file": SimpleUploadedFile("joker.txt", data)},
    )
    assert response.status_code == 200
    assert (
        "joker.txt, line 10, field &#x27;expires&#x27;: &#x27;2025-01-32&#x27;"
        in response.content.decode()
    )
    assert RegistrarImport.objects.count() == 0


def test_row_actions_in_the_ui(admin_client, demo):
    import_in_the_web(
        admin_client,
        {
            "registrar": "joker",
            "format": "joker",
            "file": SimpleUploadedFile("j.txt", sample_bytes("joker")),
        },
    )
    imp = RegistrarImport.objects.get()
    action_url = reverse("domains:import_action", args=[imp.pk])
    response = admin_client.post(
        action_url,
        {
            "kind": "missing_in_hostkontor",
            "domain": "mueller-sanitaer.at",
            "action": "create",
            "customer": "K10002",
        },
    )
    assert (
        response["Location"]
        == reverse("domains:import_detail", args=[imp.pk]) + "#missing_in_hostkontor"
    )
    admin_client.post(
        action_url, {"kind": "unbilled", "domain": "beispiel-agentur.de", "action": "ignore"}
    )
    assert Domain.objects.get(name="mueller-sanitaer.at").customer.number == "K10002"
    page = html(admin_client.get(reverse("domains:import_detail", args=[imp.pk])))
    assert page.count('data-testid="taken"') == 2
    imp.refresh_from_db()
    assert [(a["kind"], a["action"], a["by"]) for a in imp.applied] == [
        ("missing_in_hostkontor", "create", "chef"),
        ("unbilled", "ignore", "chef"),
    ]


# Mappings in the UI ------------------------------------------------------------------------

GERMAN_CSV = (
    "Exportiert am 27.11.2026\n"
    "Domain;Ablaufdatum;Status;Verlängerung\n"
    "müller.de;17.11.2024;aktiv;ja\n"
    "kanzlei-weber.de;01.10.2025;gelöscht;nein\n"
    "neue-domain.de;31.12.2027;aktiv;ja\n"
).encode("iso-8859-1")


def test_a_mapping_made_in_the_ui_imports_a_semicolon_csv_with_german_dates(admin_client, demo):
    # given a mapping entered in the form (no code)
    response = admin_client.post(
        reverse("domains:mapping_create"),
        {
            "name": "Regfish CSV",
            "kind": "csv",
            "encoding": "iso-8859-1",
            "delimiter": ";",
            "has_header": "on",
            "skip_lines": "1",
            "domain_column": "Domain",
            "expires_column": "Ablaufdatum",
            "expires_format": "dd.mm.yyyy",
            "status_column": "Status",
            "status_map": "aktiv=active; gelöscht=deleted",
            "auto_renew_column": "Verlängerung",
            "toml": "",
        },
    )
    assert response["Location"] == reverse("domains:mappings")
    mapping = RegistrarMapping.objects.get()
    assert (mapping.name, mapping.kind) == ("Regfish CSV", "csv")
    # when a file of that registrar is imported with it
    response = import_in_the_web(
        admin_client,
        {
            "registrar": "regfish",
            "mapping": mapping.pk,
            "file": SimpleUploadedFile("regfish.csv", GERMAN_CSV),
        },
    )
    imp = RegistrarImport.objects.get()
    assert response["Location"] == reverse("domains:import_detail", args=[imp.pk])
    # then the German dates, the status words and the umlaut domain were understood
    assert imp.result == {
        **empty("regfish", 3),
        "missing_in_hostkontor": [{"domain": "neue-domain.de", "expires": "2027-12-31"}],
        "expiry_mismatch": [],
        "status_mismatch": [
            {"domain": "kanzlei-weber.de", "ours": "active", "registrar": "deleted"},
            {"domain": "müller.de", "ours": "transfer_in", "registrar": "active"},
        ],
        "unbilled": [{"domain": "müller.de", "yearly_value": "12.00"}],
    }
    assert imp.registrar_data["neue-domain.de"]["auto_renew"] is True
    # and the edit form shows the stored settings
    page = html(admin_client.get(reverse("domains:mapping_edit", args=[mapping.pk])))
    assert 'value="Ablaufdatum"' in page and 'value="dd.mm.yyyy"' in page


def test_mappings_export_and_import_as_toml(admin_client):
    toml = (
        'kind = "json"\n[json]\nrecords = "data.domains"\n'
        '[fields.domain]\npath = "name"\nrequired = true\n'
        '[fields.expires]\npath = "paid_until"\ntype = "date"\n'
    )
    response = admin_client.post(
        reverse("domains:mapping_create"), {"name": "InWX JSON", "kind": "json", "toml": toml}
    )
    assert response.status_code == 302
    mapping = RegistrarMapping.objects.get()
    exported = admin_client.get(reverse("domains:mapping_export", args=[mapping.pk]))
    assert exported["Content-Disposition"] == 'attachment; filename="InWX_JSON.toml"'
    assert load_mapping(exported.content).name == "InWX JSON"
    # importing the exported file under another name creates a second mapping
    admin_client.post(
        reverse("domains:mapping_upload"),
        {"file": SimpleUploadedFile("copy.toml", exported.content.replace(b"InWX JSON", b"Kopie"))},
    )
    assert sorted(RegistrarMapping.objects.values_list("name", flat=True)) == ["InWX JSON", "Kopie"]
    # a mapping with an unknown target field is refused with its path
    bad = toml.replace("[fields.expires]", "[fields.ablauf]")
    response = admin_client.post(
        reverse("domains:mapping_create"), {"name": "bad", "kind": "json", "toml": bad}
    )
    assert response.status_code == 200
    assert "fields.ablauf" in response.content.decode()
    assert RegistrarMapping.objects.count() == 2


# Permissions -------------------------------------------------------------------------------


def test_roles(client, demo):
    domain = Domain.objects.get(name="dmmd.de")
    customer = Customer.objects.get(number="K10001")
    upload = {"registrar": "joker", "format": "joker"}
    for role, can_edit in [("Technician", False), ("Support", False), ("Billing", True)]:
        client.force_login(make_user(role.lower(), role=role))
        assert client.get(reverse("domains:list")).status_code == 200
        assert client.get(reverse("domains:customer", args=[customer.pk])).status_code == 200
        assert client.get(reverse("domains:imports")).status_code == 200
        expected = 200 if can_edit else 403
        assert client.get(reverse("domains:edit", args=[domain.pk])).status_code == expected
        assert client.get(reverse("domains:create", args=[customer.pk])).status_code == expected
        assert client.get(reverse("domains:mapping_create")).status_code == expected
        response = client.post(
            reverse("domains:imports"),
            {**upload, "file": SimpleUploadedFile("j.txt", sample_bytes("joker"))},
        )
        assert response.status_code == (302 if can_edit else 403)
    # only Billing's upload was queued (the worker reconciles it)
    assert list(RegistrarUpload.objects.values_list("created_by__username", "status")) == [
        ("billing", "queued")
    ]
    assert RegistrarImport.objects.count() == 0


def test_the_hub_panel_and_the_navigation(admin_client, demo):
    customer = Customer.objects.get(number="K10005")
    page = html(admin_client.get(reverse("customers:detail", args=[customer.pk])))
    panel = page.split('data-testid="hub-domains"', 1)[1].split("</div></div>", 1)[0]
    assert 'data-testid="hub-domain-count">3<' in panel
    assert reverse("domains:customer", args=[customer.pk]) in panel
    assert f'href="{reverse("domains:list")}"' in page  # the ISP section links the list


def test_the_other_pages_render(admin_client, demo):
    import_in_the_web(
        admin_client,
        {
            "registrar": "joker",
            "format": "joker",
            "file": SimpleUploadedFile("j.txt", sample_bytes("joker")),
        },
    )
    registrar = Registrar.objects.get(name="joker")
    price = TldPrice.objects.get(tld="de")
    domain = Domain.objects.get(name="müller.de")
    for url in [
        reverse("domains:registrars"),
        reverse("domains:registrar_edit", args=[registrar.pk]),
        reverse("domains:price_edit", args=[price.pk]),
        reverse("domains:detail", args=[domain.pk]),
        reverse("domains:move", args=[domain.pk]),
        reverse("domains:mappings"),
        reverse("domains:mapping_create"),
    ]:
        assert admin_client.get(url).status_code == 200, url
    response = admin_client.post(
        reverse("domains:registrar_edit", args=[registrar.pk]),
        {"format": "joker", "auto_apply_safe": "on"},
    )
    assert response.status_code == 302
    registrar.refresh_from_db()
    assert registrar.auto_apply_safe is True
