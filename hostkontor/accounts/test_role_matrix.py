"""Every URL of the URL conf, opened by every role: the status each one gets is decided here.

The URL list comes from the resolver, so a new view without a row in :data:`MATRIX` fails
the test ("new view without a decision"). Path parameters are filled with real objects.
GET for every URL (POST-only views answer 405 to who may use them, 403 to who may not);
the decisions that only a POST shows (revealing a password, creating a one-off item) are
posted in :data:`POSTS`.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hostkontor.billing.invoices import invoice_issue
from hostkontor.billing.models import Invoice, OneOffItem
from hostkontor.billing.runs import billing_run_create, billing_run_execute
from hostkontor.checks.models import Check
from hostkontor.checks.services import checks_run_request
from hostkontor.customers.services import contact_save
from hostkontor.domains import reconciliation
from hostkontor.domains.models import Registrar, RegistrarMapping, RegistrarUpload, TldPrice
from hostkontor.domains.services import DomainData, domain_create
from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile
from hostkontor.testing.users import make_user
from hostkontor.usage.demo import EXAMPLE_FORMAT
from hostkontor.usage.models import (
    SubjectMapping,
    UsageComponent,
    UsageMapping,
    UsagePeriodHold,
    UsageUpload,
)
from hostkontor.vault.models import SheetBatch
from hostkontor.vault.services import EntryData, entry_update
from hostkontor.vault.testing import make_entry, vault_keys  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vault_keys")]

ROLES = ["anonymous", "Admin", "Billing", "Support", "Technician"]
LOGIN = 302  # anonymous users are sent to the login page

# URL name: (objects filling its path parameters in order, then the status for
# anonymous, Admin, Billing, Support, Technician). 405: the view takes POST only (a role
# without the permission gets 403 first). 404 where the object is not the user's.
MATRIX: dict[str, tuple[str, int, int, int, int, int]] = {
    # public pages and the user's own account
    "core:home": ("", LOGIN, 302, 302, 302, 302),  # to the first page the user may open
    "core:healthz": ("", 200, 200, 200, 200, 200),
    "accounts:login": ("", 200, 302, 302, 302, 302),
    "accounts:logout": ("", LOGIN, 405, 405, 405, 405),
    "accounts:password_reset": ("", 200, 200, 200, 200, 200),
    "accounts:password_reset_done": ("", 200, 200, 200, 200, 200),
    "accounts:password_reset_confirm": ("uid token", 200, 200, 200, 200, 200),
    "accounts:password_reset_complete": ("", 200, 200, 200, 200, 200),
    "accounts:password_change": ("", LOGIN, 200, 200, 200, 200),
    "accounts:profile": ("", LOGIN, 200, 200, 200, 200),
    "accounts:set_language": ("", LOGIN, 405, 405, 405, 405),
    # users: Admin only
    "accounts:user_list": ("", LOGIN, 200, 403, 403, 403),
    "accounts:user_create": ("", LOGIN, 200, 403, 403, 403),
    "accounts:user_edit": ("user", LOGIN, 200, 403, 403, 403),
    "accounts:user_send_reset": ("user", LOGIN, 405, 403, 403, 403),
    # customers: everyone reads; Billing creates; Technician only reads
    "customers:list": ("", LOGIN, 200, 200, 200, 200),
    "customers:create": ("", LOGIN, 200, 200, 403, 403),
    "customers:detail": ("customer", LOGIN, 200, 200, 200, 200),
    "customers:edit": ("customer", LOGIN, 200, 200, 200, 403),
    "customers:contact_create": ("customer", LOGIN, 200, 200, 200, 403),
    "customers:contact_edit": ("customer contact", LOGIN, 200, 200, 200, 403),
    "customers:contact_delete": ("customer contact", LOGIN, 405, 405, 403, 403),
    # contracts: everyone reads; Billing changes
    "contracts:list": ("", LOGIN, 200, 200, 200, 200),
    "contracts:type_list": ("", LOGIN, 200, 200, 200, 200),
    "contracts:type_create": ("", LOGIN, 200, 200, 403, 403),
    "contracts:type_edit": ("type", LOGIN, 200, 200, 403, 403),
    "contracts:customer": ("customer", LOGIN, 200, 200, 200, 200),
    "contracts:create": ("customer", LOGIN, 200, 200, 403, 403),
    "contracts:items": ("customer", LOGIN, 200, 200, 200, 200),  # reading; adding: POSTS
    "contracts:item_delete": ("item", LOGIN, 405, 405, 403, 403),
    "contracts:detail": ("contract", LOGIN, 200, 200, 200, 200),
    "contracts:edit": ("contract", LOGIN, 200, 200, 403, 403),
    "contracts:end": ("contract", LOGIN, 200, 200, 403, 403),
    "contracts:price_change_add": ("contract", LOGIN, 405, 405, 403, 403),
    "contracts:invoices": ("contract", LOGIN, 200, 200, 200, 200),
    # billing: Billing runs and issues; Support reads invoices; Technician sees no money
    "billing:run_list": ("", LOGIN, 200, 200, 403, 403),
    "billing:run_detail": ("run", LOGIN, 200, 200, 403, 403),
    "billing:invoice_list": ("", LOGIN, 200, 200, 200, 403),
    "billing:invoice_detail": ("invoice", LOGIN, 200, 200, 200, 403),
    "billing:invoice_pdf": ("invoice", LOGIN, 200, 200, 200, 403),
    "billing:invoice_issue": ("invoice", LOGIN, 405, 405, 403, 403),
    "billing:invoice_send": ("invoice", LOGIN, 405, 405, 403, 403),
    "billing:invoice_paid": ("invoice", LOGIN, 405, 405, 403, 403),
    "billing:invoice_cancel": ("invoice", LOGIN, 405, 405, 403, 403),
    "billing:invoice_delete": ("invoice", LOGIN, 405, 405, 403, 403),
    "billing:seller": ("", LOGIN, 200, 403, 403, 403),  # number ranges, bank, automatic mode
    # domains: everyone reads; Billing changes and imports (stored files: import permission)
    "domains:list": ("", LOGIN, 200, 200, 200, 200),
    "domains:create": ("customer", LOGIN, 200, 200, 403, 403),
    "domains:customer": ("customer", LOGIN, 200, 200, 200, 200),
    "domains:detail": ("domain", LOGIN, 200, 200, 200, 200),
    "domains:edit": ("domain", LOGIN, 200, 200, 403, 403),
    "domains:move": ("domain", LOGIN, 200, 200, 403, 403),
    "domains:contract_create": ("domain", LOGIN, 405, 405, 403, 403),
    "domains:prices": ("", LOGIN, 200, 200, 200, 200),
    "domains:price_edit": ("price", LOGIN, 200, 200, 403, 403),
    "domains:price_delete": ("price", LOGIN, 405, 405, 403, 403),
    "domains:imports": ("", LOGIN, 200, 200, 200, 200),
    "domains:upload_detail": ("upload", LOGIN, 200, 200, 403, 403),
    "domains:import_detail": ("import", LOGIN, 200, 200, 200, 200),
    "domains:import_action": ("import", LOGIN, 405, 405, 403, 403),
    "domains:import_file": ("import", LOGIN, 200, 200, 403, 403),  # issue 9: may hold auth codes
    "domains:import_json": ("import", LOGIN, 200, 200, 200, 200),
    "domains:mappings": ("", LOGIN, 200, 200, 200, 200),
    "domains:mapping_create": ("", LOGIN, 200, 200, 403, 403),
    "domains:mapping_upload": ("", LOGIN, 405, 405, 403, 403),
    "domains:mapping_edit": ("mapping", LOGIN, 200, 200, 403, 403),
    "domains:mapping_export": ("mapping", LOGIN, 200, 200, 200, 200),
    "domains:mapping_delete": ("mapping", LOGIN, 405, 405, 403, 403),
    "domains:registrars": ("", LOGIN, 200, 200, 200, 200),
    "domains:registrar_edit": ("registrar", LOGIN, 200, 200, 403, 403),
    # usage: everyone reads; Billing and Technician import and map; Billing prices
    "usage:index": ("", LOGIN, 200, 200, 200, 200),
    "usage:upload_detail": ("usage_upload", LOGIN, 200, 200, 403, 200),
    "usage:customer": ("customer", LOGIN, 200, 200, 200, 200),
    "usage:hold_confirm": ("hold", LOGIN, 405, 405, 403, 403),
    "usage:component_edit": ("component", LOGIN, 200, 200, 403, 403),
    "usage:component_create": ("contract", LOGIN, 200, 200, 403, 403),
    "usage:subjects": ("", LOGIN, 200, 200, 200, 200),
    "usage:subject_edit": ("subject", LOGIN, 200, 200, 403, 200),
    "usage:subject_delete": ("subject", LOGIN, 405, 405, 403, 405),
    "usage:mappings": ("", LOGIN, 200, 200, 200, 200),
    "usage:mapping_create": ("", LOGIN, 200, 200, 403, 200),
    "usage:mapping_edit": ("format", LOGIN, 200, 200, 403, 200),
    "usage:mapping_export": ("format", LOGIN, 200, 200, 200, 200),
    "usage:mapping_delete": ("format", LOGIN, 405, 405, 403, 405),
    # vault: Billing sees nothing; Support and Technician work with entries; Admin audits
    "vault:list": ("", LOGIN, 200, 403, 200, 200),
    "vault:create": ("customer", LOGIN, 200, 403, 200, 200),
    "vault:sheet": ("customer", LOGIN, 200, 403, 200, 200),
    "vault:detail": ("entry", LOGIN, 200, 403, 200, 200),
    "vault:edit": ("entry", LOGIN, 200, 403, 200, 200),  # host/port/TLS: POSTS
    "vault:delete": ("entry", LOGIN, 405, 403, 403, 405),
    "vault:reveal": ("entry", LOGIN, 405, 405, 405, 405),  # who may: POSTS
    "vault:history_reveal": ("entry history", LOGIN, 405, 405, 405, 405),  # POSTS
    "vault:generate": ("", LOGIN, 405, 405, 405, 405),  # POSTS
    "vault:sheet_bulk": ("", LOGIN, 200, 403, 200, 200),
    "vault:sheet_batch": ("batch", LOGIN, 200, 403, 404, 404),  # only its creator's
    "vault:sheet_batch_passwords": ("batch", LOGIN, 405, 403, 405, 405),
    "vault:audit": ("", LOGIN, 200, 403, 403, 403),
    # checks: Billing sees nothing; Support runs; Technician configures
    "checks:dashboard": ("", LOGIN, 200, 403, 200, 200),
    "checks:create": ("entry", LOGIN, 200, 403, 403, 200),
    "checks:customer_run": ("customer", LOGIN, 405, 403, 405, 405),
    "checks:customer_progress": ("customer task", LOGIN, 200, 403, 200, 200),
    "checks:detail": ("check", LOGIN, 200, 403, 200, 200),
    "checks:edit": ("check", LOGIN, 200, 403, 403, 200),
    "checks:delete": ("check", LOGIN, 405, 403, 403, 405),
    "checks:run": ("check", LOGIN, 405, 403, 405, 405),
    "checks:run_progress": ("check task", LOGIN, 200, 403, 200, 200),
}


def _item_form(role: str) -> dict:
    return {
        "description": f"Einrichtung ({role})",
        "service_date": "2003-01-20",
        "quantity": "1",
        "unit_price": "10.00",
        "tax_rate": "19.00",
    }


def _generator_form(role: str) -> dict:
    return {"length": "20", "symbols": "on"}


# Decisions only a POST shows: (URL name, objects, form data by role, statuses as above).
POSTS: list[tuple[str, str, object, tuple[int, int, int, int, int]]] = [
    ("vault:reveal", "entry", None, (LOGIN, 200, 403, 200, 200)),  # Billing never reveals
    ("vault:history_reveal", "entry history", None, (LOGIN, 200, 403, 200, 200)),
    ("vault:generate", "", _generator_form, (LOGIN, 200, 403, 200, 200)),
    # issue 9: one-off items by Billing/Admin only
    ("contracts:items", "customer", _item_form, (LOGIN, 302, 302, 403, 403)),
]


def _url_names(patterns=None, namespace: str = "") -> list[tuple[str, list[str]]]:
    """(name, path parameter names) of every URL, walked from the resolver; an unnamed URL
    is listed by its route, so it can have no decision either."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace or ""
            found += _url_names(entry.url_patterns, inner.strip(":"))
        elif isinstance(entry, URLPattern):
            name = entry.name or f"(unnamed) {entry.pattern}"
            name = f"{namespace}:{name}" if namespace else name
            found.append((name, list(entry.pattern.converters)))
    return found


@pytest.fixture
def world() -> dict[str, object]:
    """One real object of every kind a URL names, made through services where they are cheap."""
    admin = make_user("chef", role="Admin")
    customer = make_customer()
    contact = contact_save(
        actor=None, customer=customer, values={"last_name": "Muster", "email": "m@example.com"}
    )
    contract = make_contract(customer, "V-1")
    make_seller_profile()
    billing_run_execute(run=billing_run_create(actor=admin, run_date=date(2003, 1, 20)))
    invoice = invoice_issue(actor=admin, invoice=Invoice.objects.get())
    item = OneOffItem.objects.create(
        customer=customer,
        description="Einrichtung",
        service_date=date(2003, 1, 20),
        quantity=Decimal("1"),
        unit_price=Decimal("10.00"),
        tax_rate=Decimal("19.00"),
    )
    price = TldPrice.objects.create(
        tld="de",
        sale_price_year=Decimal("12.00"),
        cost_year=Decimal("4.00"),
        valid_from=date(2003, 1, 1),
    )
    domain = domain_create(actor=admin, customer=customer, data=DomainData(name="example.de"))
    sample = Path(reconciliation.__file__).parent / "parsers" / "testdata"
    imp = reconciliation.registrar_import(
        actor=admin,
        registrar="Joker",
        data=(sample / "joker_dmapi_query-domain-list_showstatus1.txt").read_bytes(),
        filename="joker.txt",
        format="joker",
        allow_empty=True,
    )
    toml = 'name = "CSV"\nkind = "csv"\n[fields.domain]\ncolumn = 0\n'
    mapping = RegistrarMapping.objects.create(name="CSV", kind="csv", toml=toml)
    component = UsageComponent.objects.create(
        contract=contract, name="Traffic", metric="traffic_bytes", unit_price=Decimal("0.10")
    )
    entry = make_entry(customer, "Alt-Passwort-1", actor=admin)
    data = EntryData(service_type="imap", host="mail.example.net", username="info@example.net")
    entry = entry_update(actor=admin, entry=entry, data=data, password="Neu-Passwort-2")
    check = Check.objects.create(entry=entry, kind="imap")
    run = checks_run_request(actor=admin, checks=[check], via="button")
    return {
        "user": admin,
        "customer": customer,
        "contact": contact,
        "contract": contract,
        "type": contract.contract_type,
        "item": item,
        "run": invoice.billing_run,
        "invoice": invoice,
        "domain": domain,
        "price": price,
        "import": imp,
        "mapping": mapping,
        "registrar": Registrar.objects.get_or_create(name="Joker")[0],
        "upload": RegistrarUpload.objects.create(registrar="Joker", filename="joker.txt"),
        "usage_upload": UsageUpload.objects.create(filename="traffic.csv", created_by=admin),
        "component": component,
        "hold": UsagePeriodHold.objects.create(
            component=component, period_start=date(2003, 1, 1), period_end=date(2003, 1, 31)
        ),
        "subject": SubjectMapping.objects.create(subject_key="eth0", component=component),
        "format": UsageMapping.objects.create(name="Speicher", toml=EXAMPLE_FORMAT),
        "entry": entry,
        "history": entry.history.get(),
        "batch": SheetBatch.objects.create(created_by=admin, host="mail.example.net"),
        "check": check,
        "task": run.id,
        "uid": "MQ",
        "token": "abc-def",
    }


@pytest.fixture
def clients(world) -> dict[str, Client]:
    clients = {"anonymous": Client(), "Admin": Client()}
    clients["Admin"].force_login(world["user"])
    for role in ROLES[2:]:
        clients[role] = Client()
        clients[role].force_login(make_user(role.lower(), role=role))
    return clients


def _kwargs(objects: str, params: list[str], world) -> dict:
    names = objects.split()
    assert len(names) == len(params), f"{params} need {len(params)} objects, got {objects!r}"
    return {p: getattr(world[n], "pk", world[n]) for p, n in zip(params, names, strict=True)}


def test_every_url_has_a_decision_and_every_role_gets_it(world, clients):
    # given every kind of object and a user of every role (fixtures)
    # when each role opens every URL of the URL conf
    urls = _url_names()
    undecided = sorted(name for name, _params in urls if name not in MATRIX)
    stale = sorted(set(MATRIX) - {name for name, _params in urls})
    wrong = []
    for name, params in urls:
        if name not in MATRIX:
            continue
        objects, *expected = MATRIX[name]
        url = reverse(name, kwargs=_kwargs(objects, params, world))
        got = [clients[role].get(url).status_code for role in ROLES]
        if got != expected:
            wrong.append(f"{name}: expected {expected}, got {got}")
    # then each gets the status decided for it, and no URL is left without a decision
    assert undecided == [], "new view without a decision"
    assert stale == [], "decision for a URL that no longer exists"
    assert wrong == []


def test_decisions_that_only_a_post_shows(world, clients):
    # given every kind of object and a user of every role (fixtures)
    wrong = []
    for name, objects, form, expected in POSTS:
        # when each role posts to the view
        url = reverse(name, kwargs=_kwargs(objects, dict(_url_names())[name], world))
        got = [clients[role].post(url, form(role) if form else {}).status_code for role in ROLES]
        if got != list(expected):
            wrong.append(f"POST {name}: expected {list(expected)}, got {got}")
    # then each gets the status decided for it
    assert wrong == []


def test_only_technical_roles_move_a_vault_entry(world, clients):
    """issue 9: host, port and TLS decide where checks send the password. Support may edit an
    entry (its label, notes) but the target fields are ignored for it."""
    # given an entry and a user of every role (fixtures)
    url = reverse("vault:edit", args=[world["entry"].pk])
    got = []
    for role in ROLES:
        # when each role posts the entry with a host of its own
        host = f"{role.lower()}.example.net"
        form = {"service_type": "imap", "host": host, "tls_mode": "implicit", "label": role}
        status = clients[role].post(url, form).status_code
        world["entry"].refresh_from_db()
        got.append((status, world["entry"].host == host))
    # then only Admin and Technician moved it
    assert got == [(LOGIN, False), (302, True), (403, False), (302, False), (302, True)]
