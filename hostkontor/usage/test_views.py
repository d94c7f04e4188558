"""Usage pages: every sample shows up matched on a customer's page, holds, editors, queries."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hostkontor.customers import demo as customers_demo
from hostkontor.customers.models import Customer
from hostkontor.testing.factories import make_contract, make_customer
from hostkontor.testing.queries import count_queries
from hostkontor.testing.tasks import run_queued_tasks

from . import demo
from .models import (
    SubjectMapping,
    UsageComponent,
    UsageImport,
    UsageMapping,
    UsagePeriodHold,
    UsageRecord,
)
from .services import usage_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "parsers" / "fixtures"
SAMPLES = [
    ("vnstat", "vnstat_json_d_eth0.json"),
    ("vnstat", "vnstat_json_f_eth0.json"),
    ("mrtg", "mrtg_kunde42-sw1-gi0-12.log"),
    ("rrd", "rrdtool_xport_sw1-gi0-12.xml"),
    ("apache", "apache_vhost_combined_other_vhosts_access.log"),
]


def import_in_the_web(client, data: dict):
    """Upload a usage file, let the worker import it, open the upload's page: a redirect to
    the import list when it succeeded, the page with the error when it failed (an upload
    refused by the form comes back as it is)."""
    posted = client.post(reverse("usage:index"), data)
    if posted.status_code != 302:
        return posted
    run_queued_tasks()
    return client.get(posted["Location"])


def period_row(html: str, component: UsageComponent, start: str) -> str:
    block = html.split(f'data-component="{component.pk}"', 1)[1]
    return block.split(f'data-period="{start}"', 1)[1].split("</tr>", 1)[0]


def test_every_sample_imports_matched_and_shows_on_the_customers_usage_page(admin_client):
    # given the demo customers and the usage demo
    customers_demo.build()
    demo.build()
    # when every sample export is imported through the upload form
    for fmt, name in SAMPLES:
        response = import_in_the_web(
            admin_client,
            {"file": SimpleUploadedFile(name, (FIXTURES / name).read_bytes()), "format": fmt},
        )
        assert response["Location"] == reverse("usage:index"), response.content.decode()[:2000]
    # then no subject key is unmatched
    assert [(i.filename, i.unmatched_subjects) for i in UsageImport.objects.order_by("pk")] == [
        (name, []) for _, name in SAMPLES
    ]
    # and each customer's usage page shows May 2024 with the measured quantities
    k1, k2, k3 = (Customer.objects.get(number=n) for n in ("K10001", "K10002", "K10003"))
    page = admin_client.get(reverse("usage:customer", args=[k1.pk])).content.decode()
    traffic = UsageComponent.objects.get(contract__reference="V-USAGE-1", name="Traffic")
    percentile = UsageComponent.objects.get(
        contract__reference="V-USAGE-1", name="Bandbreite 95. Perzentil"
    )
    # vnStat days 1-14 May: 513.53 GB (the 5-minute export lies inside day 14 and is not added)
    assert "513,53 GB" in period_row(page, traffic, "2024-05-01")
    assert "341,30 Mbit/s" in period_row(page, percentile, "2024-05-01")
    assert 'data-status="prior"' in page  # billed by the "earlier system" up to 31.10.2026
    assert "<svg" in page and "cdn" not in page.lower()
    page2 = admin_client.get(reverse("usage:customer", args=[k2.pk])).content.decode()
    mrtg = UsageComponent.objects.get(contract__reference="V-USAGE-2")
    # MRTG in 63,069,888,956 + out 582,860,280,998 bytes = 645.93 GB
    assert "645,93 GB" in period_row(page2, mrtg, "2024-05-01")
    page3 = admin_client.get(reverse("usage:customer", args=[k3.pk])).content.decode()
    web = UsageComponent.objects.get(contract__reference="V-USAGE-3", name="Web-Traffic")
    # Apache: 164,319,589 + 3,964,646 + 860,364 bytes = 0.17 GB
    assert "0,17 GB" in period_row(page3, web, "2024-05-01")
    for subject in ("www.example-shop.de", "muster-gmbh.de", "beispiel-agentur.de"):
        assert f'data-subject="{subject}"' in page3
    # and re-importing every sample adds nothing
    count = UsageRecord.objects.count()
    for fmt, name in SAMPLES:
        again = usage_import(
            actor=None, data=(FIXTURES / name).read_bytes(), filename=name, format=fmt
        )
        assert again.records_new == 0
    assert UsageRecord.objects.count() == count


def test_a_held_period_shows_a_flag_and_the_confirm_button_releases_it(admin_client):
    contract = make_contract(make_customer("K1"), "V-1", start=date(2024, 5, 1), interval="month")
    component = UsageComponent.objects.create(
        contract=contract,
        name="Traffic",
        metric="traffic_bytes",
        direction="sum",
        unit_price=Decimal("0.10"),
        sample_interval=86400,
    )
    SubjectMapping.objects.create(subject_key="eth0", component=component)
    usage_import(
        actor=None,
        data=(FIXTURES / "vnstat_json_d_eth0.json").read_bytes(),
        filename="d.json",
        format="vnstat",
    )
    url = reverse("usage:customer", args=[contract.customer_id])
    html = admin_client.get(url).content.decode()
    assert re.search(r'data-period="2024-05-01" data-status="held"', html)
    assert "17 samples missing" in html or "17 Messwerte fehlen" in html
    response = admin_client.post(
        reverse("usage:hold_confirm", args=[component.pk]),
        {"period_start": "2024-05-01", "period_end": "2024-05-31"},
    )
    assert response.status_code == 302
    hold = UsagePeriodHold.objects.get()
    assert (hold.status, hold.confirmed_by.username) == ("confirmed", "chef")
    html = admin_client.get(url).content.decode()
    assert re.search(r'data-period="2024-05-01" data-status="due"', html)


def test_usage_page_runs_a_fixed_number_of_queries(admin_client):
    # given one component with one mapping
    customer = make_customer("K1")
    contract = make_contract(customer, "V-1", start=date(2024, 5, 1), interval="month")
    component = UsageComponent.objects.create(
        contract=contract,
        name="A",
        metric="traffic_bytes",
        direction="sum",
        unit_price=Decimal("0.1"),
    )
    SubjectMapping.objects.create(subject_key="eth0", component=component)
    usage_import(
        actor=None,
        data=(FIXTURES / "vnstat_json_d_eth0.json").read_bytes(),
        filename="d.json",
        format="vnstat",
    )
    url = reverse("usage:customer", args=[customer.pk])
    admin_client.get(url)
    few = count_queries(admin_client, url)
    # when the customer has many contracts, components and mappings
    for n in range(2, 6):
        c = make_contract(customer, f"V-{n}", start=date(2024, 5, 1), interval="month")
        for name in ("A", "B"):
            comp = UsageComponent.objects.create(
                contract=c,
                name=name,
                metric="traffic_bytes",
                direction="sum",
                unit_price=Decimal("0.1"),
            )
            SubjectMapping.objects.create(subject_key=f"eth{n}{name}", component=comp)
    many = count_queries(admin_client, url)
    assert many == few


def test_the_lists_run_a_fixed_number_of_queries_whatever_the_row_count(admin_client):
    # given imports, subject mappings on components of several contracts, and import formats
    customer = make_customer("K1")

    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            contract = make_contract(customer, f"V-{i}", start=date(2024, 5, 1), interval="month")
            component = UsageComponent.objects.create(
                contract=contract, name="A", metric="disk_bytes", unit_price=Decimal("0.1")
            )
            SubjectMapping.objects.create(subject_key=f"web{i}", component=component)
            UsageMapping.objects.create(
                name=f"Format {i}", toml=demo.EXAMPLE_FORMAT.replace("Speicherplatz CSV", f"F{i}")
            )
            usage_import(
                actor=None,
                data=f"account;day;bytes\nweb{i};01.05.2024;1000\nweb99;01.05.2024;1\n".encode(),
                filename=f"disk{i}.csv",
                mapping=demo.EXAMPLE_FORMAT,
            )

    urls = [reverse("usage:index"), reverse("usage:subjects"), reverse("usage:mappings")]
    add(0, 2)
    # when the lists are opened with 2 and with 22 rows each
    few = [count_queries(admin_client, url) for url in urls]
    add(2, 20)
    many = [count_queries(admin_client, url) for url in urls]
    # then the number of queries stays the same
    assert few == many


def test_subject_mapping_editor_creates_refuses_overlaps_and_deletes(admin_client):
    contract = make_contract(make_customer("K1"), "V-1", start=date(2024, 5, 1), interval="month")
    component = UsageComponent.objects.create(
        contract=contract,
        name="T",
        metric="traffic_bytes",
        direction="sum",
        unit_price=Decimal("0.1"),
    )
    url = reverse("usage:subjects")
    response = admin_client.post(
        url,
        {
            "subject_key": "sw1-gi0-12",
            "component": component.pk,
            "valid_from": "2024-05-01",
            "valid_to": "2024-12-31",
        },
    )
    assert response.status_code == 302
    response = admin_client.post(
        url, {"subject_key": "sw1-gi0-12", "component": component.pk, "valid_from": "2024-12-01"}
    )
    assert response.status_code == 200
    assert "overlaps" in response.content.decode()
    response = admin_client.post(
        url, {"subject_key": "sw1-gi0-12", "component": component.pk, "valid_from": "2025-01-01"}
    )
    assert response.status_code == 302
    assert list(
        SubjectMapping.objects.order_by("valid_from").values_list("valid_from", "valid_to")
    ) == [
        (date(2024, 5, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), None),
    ]
    page = admin_client.get(url).content.decode()
    assert page.count('data-subject="sw1-gi0-12"') == 2
    first = SubjectMapping.objects.order_by("valid_from").first()
    assert admin_client.post(reverse("usage:subject_delete", args=[first.pk])).status_code == 302
    assert SubjectMapping.objects.count() == 1


def test_import_formats_are_edited_exported_and_used(admin_client):
    demo_toml = demo.EXAMPLE_FORMAT
    response = admin_client.post(
        reverse("usage:mapping_create"), {"name": "Disk", "toml": demo_toml}
    )
    assert response.status_code == 302
    mapping = UsageMapping.objects.get(name="Disk")
    export = admin_client.get(reverse("usage:mapping_export", args=[mapping.pk]))
    assert export["Content-Disposition"] == 'attachment; filename="Disk.toml"'
    assert export.content.decode() == demo_toml
    bad = admin_client.post(
        reverse("usage:mapping_edit", args=[mapping.pk]), {"name": "Disk", "toml": 'kind = "csv"\n'}
    )
    assert bad.status_code == 200 and "fields" in bad.content.decode()
    data = b"account;day;bytes\nweb42;14.05.2024;5000000000\n"
    response = import_in_the_web(
        admin_client,
        {"file": SimpleUploadedFile("disk.csv", data), "mapping": mapping.pk},
    )
    assert response["Location"] == reverse("usage:index")
    assert UsageRecord.objects.get().quantity == Decimal("5000000000")


def test_a_bad_upload_shows_line_and_field_and_saves_nothing(admin_client):
    response = import_in_the_web(
        admin_client,
        {
            "file": SimpleUploadedFile("sw1.log", b"1715677502 1 2\n1715677502 67x 46 67 46\n"),
            "format": "mrtg",
        },
    )
    assert response.status_code == 200
    assert (
        "sw1.log, line 2, field &#x27;avg_in&#x27;: &#x27;67x&#x27; is not a number"
        in response.content.decode()
    )
    assert UsageImport.objects.count() == 0 and UsageRecord.objects.count() == 0


def test_component_editor_validates_pricing(admin_client):
    contract = make_contract(make_customer("K1"), "V-1", start=date(2024, 5, 1), interval="month")
    url = reverse("usage:component_create", args=[contract.pk])
    values = {
        "name": "95th",
        "metric": "traffic_bps",
        "unit": "GB",
        "included": "100",
        "unit_price": "5",
        "tier_mode": "graduated",
        "rounding_step": "1",
        "rounding": "up",
        "byte_base": str(10**9),
        "direction": "max",
        "aggregation": "percentile95",
    }
    response = admin_client.post(url, values)
    assert response.status_code == 200
    assert "95th percentile billing needs a rate unit" in response.content.decode()
    response = admin_client.post(url, {**values, "unit": "Mbit/s"})
    assert response.status_code == 302
    assert UsageComponent.objects.get().unit == "Mbit/s"


def test_hub_panel_and_navigation(admin_client, technician_user, client):
    customers_demo.build()
    demo.build()
    k1 = Customer.objects.get(number="K10001")
    page = admin_client.get(reverse("customers:detail", args=[k1.pk])).content.decode()
    assert 'data-testid="hub-usage"' in page
    assert reverse("usage:customer", args=[k1.pk]) in page
    assert 'href="/usage/"' in page
    client.force_login(technician_user)
    assert client.get(reverse("usage:customer", args=[k1.pk])).status_code == 200
    assert client.post(reverse("usage:hold_confirm", args=[1]), {}).status_code == 403
