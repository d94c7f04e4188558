from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from hostkontor.billing.engine import add_months
from hostkontor.billing.models import InvoiceLine, OneOffItem
from hostkontor.contracts import demo as contracts_demo
from hostkontor.core.hub import customer_panels
from hostkontor.core.models import AuditEvent
from hostkontor.customers import demo as customers_demo
from hostkontor.customers.models import Customer
from hostkontor.testing.queries import count_queries

from .conftest import bill, issue, make_contract, table_rows
from .hub import contracts_panel
from .models import Contract, ContractType, PriceChange
from .one_off_items import one_off_item_add
from .views import optional_url

pytestmark = pytest.mark.django_db

FAR_PAST, FAR_FUTURE = date(2003, 1, 20), date(2099, 1, 1)


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def running_contract(customer, contract_type, **overrides):
    """Open-ended monthly contract since 2020: active whatever today is."""
    values = {
        "start": date(2020, 1, 1),
        "end": None,
        "setup_fee": Decimal("49.00"),
        "fee": Decimal("10.00"),
        "interval": "month",
        "description": "Shop",
    }
    values.update(overrides)
    return make_contract(customer, contract_type, **values)


def test_overview_shows_the_product_sheets_dmmd_contracts_in_the_past_tab(admin_client):
    # given the demo data
    customers_demo.build()
    contracts_demo.build()
    dmmd = Customer.objects.get(number="K10001")
    url = reverse("contracts:customer", args=[dmmd.pk])
    # when the past contracts are shown
    html = html_of(admin_client, url + "?tab=past")
    # then the columns read like the product sheet
    assert table_rows(html, "contract-table") == [
        [
            "Beginn",
            "Ende",
            "Setup",
            "berechnet",
            "Lfd. Gebühr",
            "Zeitraum",
            "berechnet bis",
            "Intervall",
            "Aktionen",
        ],
        [
            "20.01.2003",
            "21.01.2004",
            "39,00 €",
            "21.01.2004",
            "19,00 €",
            "pro Monat",
            "21.01.2004",
            "Quartalsweise im Voraus",
            "Details · Bearbeiten · Kündigen · Rechnungen",
        ],
        ["Vertragstyp: Domain Server Standard, inkl. Domain dmmd.de (V-000001)"],
        [
            "21.01.2003",
            "21.01.2004",
            "49,00 €",
            "21.01.2004",
            "10,00 €",
            "pro Monat",
            "21.01.2004",
            "Quartalsweise im Voraus",
            "Details · Bearbeiten · Kündigen · Rechnungen",
        ],
        ["Vertragstyp: Server Webserver, 2x 120 GB / ShopDB (V-000002)"],
        [
            "21.01.2003",
            "21.01.2004",
            "10,00 €",
            "21.01.2004",
            "20,00 €",
            "pro Quartal",
            "21.01.2004",
            "Quartalsweise im Voraus",
            "Details · Bearbeiten · Kündigen · Rechnungen",
        ],
        ["Vertragstyp: Spamschutz, Spamfilter auf dem Hauptserver (V-000003)"],
    ]
    assert "Verträge Übersicht (laufzeitgebunden)" in html
    assert "zur Firma dmmd GmbH &amp; Co. KG internet &amp; network services, Hilter" in html
    assert "» Neuen Laufzeitvertrag anlegen" in html
    # the tabs count the contracts; the dmmd contracts are all past
    assert 'data-tab="past">vergangene <span class="badge text-bg-light">3</span>' in html
    assert 'data-tab="active">aktive <span class="badge text-bg-light">0</span>' in html
    active = html_of(admin_client, url)
    assert table_rows(active, "contract-table")[1] == ["Keine Verträge in diesem Reiter."]
    # links to other apps appear only when those apps provide the page
    domains_url = optional_url("domains:customer", dmmd.pk)
    assert ("Zur Domainübersicht der Firma" in html) == (domains_url is not None)
    usage_url = optional_url("usage:customer", dmmd.pk)
    assert ("Zur Verbrauchsabrechnung der Firma" in html) == (usage_url is not None)


def test_setup_billing_date_billed_until_and_invoices_link(admin_client, customer, server_type):
    contract = running_contract(customer, server_type)
    bill(
        contract,
        [
            ("setup", None, None, "49.00"),
            ("period", date(2020, 1, 1), date(2020, 1, 31), "10.00"),
        ],
        run_date=date(2020, 1, 1),
        number="RE-2020-00001",
        invoice_date=date(2020, 1, 2),
    )
    draft = bill(
        contract,
        [("period", date(2020, 2, 1), date(2020, 2, 29), "10.00")],
        run_date=date(2020, 2, 1),
    )
    # the draft also bills another contract of the customer: not this contract's share
    other = running_contract(customer, server_type, description="Zweiter")
    InvoiceLine.objects.create(
        invoice=draft,
        position=2,
        kind="period",
        contract=other,
        description="x",
        period_start=date(2019, 12, 1),
        period_end=date(2020, 3, 31),
        quantity=Decimal("1"),
        net=Decimal("99.00"),
        tax_rate=Decimal("19.00"),
    )
    html = html_of(admin_client, reverse("contracts:customer", args=[customer.pk]))
    row = table_rows(html, "contract-table")[1]
    assert row[:8] == [
        "01.01.2020",
        "offen",
        "49,00 €",
        "02.01.2020",
        "10,00 €",
        "pro Monat",
        "29.02.2020",
        "Monatlich im Voraus",
    ]
    assert reverse("contracts:invoices", args=[contract.pk]) in html
    # the contract's invoices page: the issued one and the draft
    invoices = table_rows(
        html_of(admin_client, reverse("contracts:invoices", args=[contract.pk])),
        "contract-invoices",
    )
    assert [r[:1] + r[2:5] for r in invoices[1:]] == [
        ["Entwurf", "01.02.2020", "01.02.2020 – 29.02.2020", "10,00 €"],
        ["RE-2020-00001", "02.01.2020", "01.01.2020 – 31.01.2020", "59,00 €"],
    ]


def test_overview_list_detail_and_invoices_run_a_fixed_number_of_queries(
    admin_client, customer, server_type
):
    def add(count: int, start: int):
        for i in range(start, start + count):
            contract = running_contract(customer, server_type, description=f"Nr. {i}")
            contract.domains.create(name=f"kunde{i}.de", customer=customer)
            PriceChange.objects.create(
                contract=contract, valid_from=date(2021, 1, 1), fee=Decimal("11")
            )
            bill(
                contract,
                [
                    ("setup", None, None, "49.00"),
                    ("period", date(2020, 1, 1), date(2020, 1, 31), "10.00"),
                ],
                number=f"RE-{i:05d}",
            )

    add(1, 0)
    first = Contract.objects.get()
    urls = [
        reverse("contracts:customer", args=[customer.pk]),
        reverse("contracts:list") + "?q=Nr.&state=active",
    ]
    few = [count_queries(admin_client, url) for url in urls]
    add(59, 1)
    many = [count_queries(admin_client, url) for url in urls]
    assert few == many
    # one contract with one billed line vs. with thirty
    detail_urls = [
        reverse("contracts:detail", args=[first.pk]),
        reverse("contracts:invoices", args=[first.pk]),
    ]
    few = [count_queries(admin_client, url) for url in detail_urls]
    for month in range(1, 30):
        start = add_months(date(2020, 1, 1), month)
        end = add_months(start, 1) - timedelta(days=1)
        bill(first, [("period", start, end, "10.00")], run_date=start)
    many = [count_queries(admin_client, url) for url in detail_urls]
    assert few == many


def test_items_page_runs_a_fixed_number_of_queries(admin_client, customer, server_type):
    contract = running_contract(customer, server_type)

    def add(count):
        for i in range(count):
            one_off_item_add(
                actor=None,
                customer=customer,
                description=f"Posten {i}",
                service_date=date(2026, 11, 1),
                quantity=Decimal("1"),
                unit_price=Decimal("10"),
                tax_rate=Decimal("19"),
                contract=contract,
            )

    add(1)
    url = reverse("contracts:items", args=[customer.pk])
    few = count_queries(admin_client, url)
    add(30)
    assert count_queries(admin_client, url) == few


def test_type_list_runs_a_fixed_number_of_queries(admin_client, server_type):
    url = reverse("contracts:type_list")
    few = count_queries(admin_client, url)
    for i in range(30):
        ContractType.objects.create(name=f"Typ {i}")
    assert count_queries(admin_client, url) == few


def test_global_list_filters_by_state_type_category_and_search_with_pagination(
    admin_client, customer, other_customer, server_type
):
    mail = ContractType.objects.create(name="Mail Exchange", category="mail")
    make_contract(customer, server_type)  # past (2003–2004)
    running_contract(customer, mail, description="Postfächer")
    make_contract(other_customer, server_type, start=FAR_FUTURE, end=None, description="Neu")
    url = reverse("contracts:list")

    def references(query: dict) -> list[str]:
        page = admin_client.get(url, query).context["page"]
        return [row.contract.description for row in page.rows]

    assert references({"state": "past"}) == ["inkl. Domain dmmd.de"]
    assert references({"state": "active"}) == ["Postfächer"]
    assert references({"state": "upcoming"}) == ["Neu"]
    assert references({"category": "mail"}) == ["Postfächer"]
    assert references({"contract_type": server_type.pk}) == ["inkl. Domain dmmd.de", "Neu"]
    assert references({"q": other_customer.number}) == ["Neu"]
    for i in range(60):
        running_contract(other_customer, mail, description=f"Box {i}")
    page = admin_client.get(url, {"category": "mail", "page": 2}).context["page"]
    assert (page.paginator.count, len(page.rows), page.number) == (61, 11, 2)
    htmx = admin_client.get(url, {"state": "past"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="main-nav"' not in htmx and "inkl. Domain dmmd.de" in htmx


def test_billing_user_creates_a_contract_with_german_input(
    client, billing_user, customer, server_type
):
    client.force_login(billing_user)
    url = reverse("contracts:create", args=[customer.pk])
    form_html = html_of(client, url)
    assert (
        "Vertrag anlegen" in form_html and "zur Firma Bäckerei Müller GmbH, Osnabrück" in form_html
    )
    assert 'id="contract-type-defaults"' in form_html
    fields = {
        "start": "15.01.2026",
        "end": "30.06.2026",
        "contract_type": server_type.pk,
        "domain_names": "baeckerei-mueller.de",
        "description": "Shop",
        "setup_fee": "39,00",
        "fee": "1.019,50",
        "fee_unit": "month",
        "min_term_months": "12",
        "interval": "quarter",
        "mode": "advance",
        "alignment": "anniversary",
        "quantity": "1",
        "tax_rate": "19,00",
        "reference": "",
    }
    # an end inside the minimum term is shown on the field with the earliest end
    response = client.post(url, fields)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "end": ["Die Mindestlaufzeit beträgt 12 Monate. Frühestes zulässiges Ende: 14.01.2027."]
    }
    # open-ended it is saved
    response = client.post(url, fields | {"end": "", "open_end": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:customer", args=[customer.pk])
    contract = Contract.objects.get()
    assert (contract.reference, contract.start, contract.end, contract.fee) == (
        "V-000001",
        date(2026, 1, 15),
        None,
        Decimal("1019.50"),
    )
    assert list(contract.domains.values_list("name", flat=True)) == ["baeckerei-mueller.de"]
    assert AuditEvent.objects.get(action="contract.created").actor_id == billing_user.pk


def test_edit_shows_german_dates_and_refuses_grid_changes_once_billed(
    admin_client, customer, server_type
):
    contract = make_contract(customer, server_type, domain_names=["dmmd.de"])
    bill(contract, [("period", date(2003, 1, 20), date(2003, 4, 19), "57.00")])
    url = reverse("contracts:edit", args=[contract.pk])
    html = html_of(admin_client, url)
    assert 'value="20.01.2003"' in html and 'value="19,00"' in html and 'value="dmmd.de"' in html
    form = admin_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"contract_type": server_type.pk, "start": "20.01.2003", "end": "21.01.2004"}
    data |= {
        "interval": "month",
        "fee": "19,00",
        "setup_fee": "39,00",
        "quantity": "1",
        "tax_rate": "19,00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "interval": [
            "kann nicht geändert werden: Zeiträume dieses Vertrags sind schon abgerechnet "
            "(die abgerechneten Rechnungspositionen würden nicht mehr passen)."
        ]
    }
    response = admin_client.post(url, data | {"interval": "quarter", "description": "neu"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.description == "neu"


def test_detail_shows_billed_periods_next_due_price_history_and_revenue(
    admin_client, customer, server_type
):
    contract = make_contract(customer, server_type, end=None)
    bill(
        contract,
        [("setup", None, None, "39.00"), ("period", date(2003, 1, 20), date(2003, 4, 19), "57.00")],
        number="RE-2003-00001",
    )
    bill(
        contract,
        [("period", date(2003, 4, 20), date(2003, 7, 19), "57.00")],
        run_date=date(2003, 4, 20),
    )
    url = reverse("contracts:detail", args=[contract.pk])
    response = admin_client.post(
        reverse("contracts:price_change_add", args=[contract.pk]),
        {"valid_from": "20.07.2003", "fee": "21,00"},
    )
    assert response.status_code == 302
    html = html_of(admin_client, url)
    assert table_rows(html, "billed-lines")[1:] == [
        ["Setup", "RE-2003-00001", "20.01.2003", "39,00 €"],
        ["20.01.2003 – 19.04.2003", "RE-2003-00001", "20.01.2003", "57,00 €"],
        ["20.04.2003 – 19.07.2003", "Entwurf", "20.04.2003", "57,00 €"],
    ]
    assert table_rows(html, "price-history")[1:] == [
        ["20.01.2003", "19,00 €"],
        ["20.07.2003", "21,00 €"],
    ]
    assert 'data-testid="billed-until">19.07.2003<' in html
    assert 'data-testid="next-period">20.07.2003 – 19.10.2003<' in html
    assert 'data-testid="next-due">20.07.2003<' in html
    assert table_rows(html, "revenue-years")[1:] == [["2003", "153,00 €"], ["Summe", "153,00 €"]]
    assert table_rows(html, "revenue-quarters")[1:] == [
        ["Q1/2003", "83,97 €"],
        ["Q2/2003", "57,13 €"],
        ["Q3/2003", "11,90 €"],
    ]
    # a price change inside the billed days is refused with the reason
    response = admin_client.post(
        reverse("contracts:price_change_add", args=[contract.pk]),
        {"valid_from": "01.07.2003", "fee": "22,00"},
    )
    assert response.status_code == 400
    assert response.context["price_form"].errors == {
        "valid_from": [
            "muss nach dem 19.07.2003 liegen: der Vertrag ist bis zu diesem Tag abgerechnet"
        ]
    }


def test_notice_form_records_the_end(admin_client, customer, server_type):
    contract = running_contract(customer, server_type, min_term_months=12)
    url = reverse("contracts:end", args=[contract.pk])
    assert "Frühestes zulässiges Ende: 31.12.2020" in html_of(admin_client, url)
    response = admin_client.post(url, {"end": "31.12.2030", "notice_date": "02.11.2026"})
    assert response["Location"] == reverse("contracts:detail", args=[contract.pk])
    contract.refresh_from_db()
    assert (contract.end, contract.cancelled_on) == (date(2030, 12, 31), date(2026, 11, 2))


def render_panel(customer, user) -> tuple[str, int]:
    """The contracts panel of the customer hub as the hub renders it, and its query count."""
    with CaptureQueriesContext(connection) as captured:
        context = contracts_panel(customer, user)
    with translation.override("de"):
        html = render_to_string(
            "contracts/_hub_panel.html", {"panel": context, "perms": PermWrapper(user)}
        )
    return html, len(captured)


def test_hub_panel_shows_count_monthly_revenue_and_next_due(admin_user, customer, server_type):
    # 10.00/month x 2 and 30.00/quarter: 20.00 + 10.00 = 30.00 per month
    monthly = running_contract(customer, server_type, quantity=Decimal("2"))
    running_contract(
        customer,
        server_type,
        fee=Decimal("30"),
        fee_unit="quarter",
        billed_until=date(2099, 12, 31),
    )
    make_contract(customer, server_type)  # past, not counted
    make_contract(customer, server_type, start=FAR_FUTURE, end=None)  # upcoming
    bill(
        monthly,
        [("setup", None, None, "49.00"), ("period", date(2020, 1, 1), date(2020, 1, 31), "20.00")],
    )
    admin_user.has_perm("contracts.add_contract")  # the permission cache is per request
    html, few = render_panel(customer, admin_user)
    assert (
        'data-testid="hub-active-count">2 <small class="text-secondary">(+1 anstehende)</small>'
        in html
    )
    assert 'data-testid="hub-mrr">30,00\xa0€<' in html
    assert 'data-testid="hub-next-due">01.02.2020<' in html
    assert reverse("contracts:create", args=[customer.pk]) in html
    # the panel is registered for the customer hub, and costs the same with more contracts
    assert any(p["key"] == "contracts" for p in customer_panels(customer, admin_user))
    for _i in range(20):
        contract = running_contract(customer, server_type)
        bill(contract, [("setup", None, None, "49.00")])
    html, many = render_panel(customer, admin_user)
    assert (few, many) == (3, 3)
    assert 'data-testid="hub-active-count">22 <' in html


def test_items_page_adds_lists_billed_state_and_deletes(admin_client, customer, server_type):
    contract = running_contract(customer, server_type)
    url = reverse("contracts:items", args=[customer.pk])
    response = admin_client.post(
        url,
        {
            "description": "Festplatte 2 TB",
            "service_date": "12.11.2026",
            "quantity": "2",
            "unit_price": "89,50",
            "tax_rate": "19,00",
            "contract": contract.pk,
        },
    )
    assert response["Location"] == url
    billed = OneOffItem.objects.get()
    invoice = bill(contract, [])
    InvoiceLine.objects.create(
        invoice=invoice,
        position=1,
        kind="item",
        one_off_item=billed,
        description="x",
        quantity=Decimal("2"),
        net=Decimal("179.00"),
        tax_rate=Decimal("19.00"),
    )
    issue(invoice, "RE-2026-00007")
    admin_client.post(
        url,
        {
            "description": "Stunde Support",
            "service_date": "13.11.2026",
            "quantity": "1",
            "unit_price": "85",
            "tax_rate": "19",
        },
    )
    html = html_of(admin_client, url)
    rows = table_rows(html, "item-table")[1:]
    assert [r[:7] for r in rows] == [
        ["13.11.2026", "Stunde Support", "", "1", "85,00 €", "85,00 €", "noch nicht berechnet"],
        [
            "12.11.2026",
            "Festplatte 2 TB",
            contract.reference,
            "2",
            "89,50 €",
            "179,00 €",
            "RE-2026-00007",
        ],
    ]
    fresh = OneOffItem.objects.get(description="Stunde Support")
    admin_client.post(reverse("contracts:item_delete", args=[fresh.pk]))
    admin_client.post(reverse("contracts:item_delete", args=[billed.pk]))
    assert list(OneOffItem.objects.values_list("description", flat=True)) == ["Festplatte 2 TB"]


def test_contract_types_catalog_create_and_edit(admin_client):
    response = admin_client.post(
        reverse("contracts:type_create"),
        {
            "name": "Webhosting Business",
            "category": "webspace",
            "default_setup_fee": "19,00",
            "default_fee": "9,90",
            "default_fee_unit": "month",
            "default_interval": "month",
            "default_mode": "advance",
            "default_tax_rate": "19,00",
            "is_active": "on",
        },
    )
    assert response["Location"] == reverse("contracts:type_list")
    contract_type = ContractType.objects.get()
    assert (contract_type.default_fee, contract_type.category) == (Decimal("9.90"), "webspace")
    response = admin_client.post(
        reverse("contracts:type_create"),
        {
            "name": "webhosting business",
            "category": "other",
            "default_setup_fee": "0",
            "default_fee": "0",
            "default_fee_unit": "month",
            "default_interval": "month",
            "default_mode": "advance",
            "default_tax_rate": "19",
        },
    )
    assert response.context["form"].errors == {
        "name": ["ein Vertragstyp webhosting business existiert schon"]
    }
    rows = table_rows(html_of(admin_client, reverse("contracts:type_list")), "type-table")
    assert rows[1][:5] == ["Webhosting Business", "Webspace", "19,00 €", "9,90 €", "pro Monat"]


def test_permissions_technician_reads_but_does_not_write(
    client, technician_user, customer, server_type
):
    contract = make_contract(customer, server_type)
    client.force_login(technician_user)
    for url in [
        reverse("contracts:list"),
        reverse("contracts:customer", args=[customer.pk]),
        reverse("contracts:detail", args=[contract.pk]),
        reverse("contracts:invoices", args=[contract.pk]),
        reverse("contracts:type_list"),
    ]:
        assert client.get(url).status_code == 200, url
    for url in [
        reverse("contracts:create", args=[customer.pk]),
        reverse("contracts:edit", args=[contract.pk]),
        reverse("contracts:end", args=[contract.pk]),
        reverse("contracts:type_create"),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("contracts:create", args=[customer.pk]), {}).status_code == 403
    assert (
        client.post(reverse("contracts:price_change_add", args=[contract.pk]), {}).status_code
        == 403
    )
    html = html_of(client, reverse("contracts:customer", args=[customer.pk]))
    assert "Neuen Laufzeitvertrag anlegen" not in html and "Kündigen" not in html
    nav = html_of(client, reverse("contracts:list"))
    assert 'data-section="isp">ISP<' in nav and ">Verträge</a>" in nav
