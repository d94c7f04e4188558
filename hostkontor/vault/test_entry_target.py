"""Where an entry points (service type, host, port, TLS mode) is changed by technicians only:
the function checks connect there and send the customer's password."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from hostkontor.core.models import AuditEvent
from hostkontor.testing.factories import make_customer
from hostkontor.testing.users import make_user

from .models import VaultEntry
from .services import EntryData, entry_update
from .testing import make_entry

pytestmark = pytest.mark.django_db

PASSWORD = "Kr4ken&Tinte-Mailbox"
TARGET = {"service_type": "imap", "host": "mail.example.net", "port": 993, "tls_mode": "implicit"}


@pytest.fixture(autouse=True)
def _keys(vault_keys):
    return vault_keys


@pytest.fixture
def entry():
    return make_entry(make_customer(), PASSWORD, label="Info-Postfach", **TARGET)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_post(entry, **changes) -> dict:
    values = {
        "service_type": entry.service_type,
        "label": entry.label,
        "host": entry.host,
        "port": entry.port or "",
        "tls_mode": entry.tls_mode,
        "username": entry.username,
        "password": "",
        "notes": "",
        "tags": "",
    }
    values.update(changes)
    return values


def target_of(entry) -> dict:
    entry = VaultEntry.objects.get(pk=entry.pk)
    return {name: getattr(entry, name) for name in TARGET}


ATTACK = {"host": "169.254.169.254", "port": "80", "tls_mode": "none", "service_type": "web"}


def test_support_cannot_redirect_an_entry_through_the_form(entry):
    # given a Support user on the edit page: the target fields are shown but disabled
    client = client_for(make_user("support", role="Support"))
    url = reverse("vault:edit", args=[entry.pk])
    html = client.get(url).content.decode()
    for name in ("host", "port", "tls_mode", "service_type"):
        assert f'name="{name}"' in html
    assert html.count(" disabled") >= 4 and "nur von Technikern geändert" in html
    # when they post another host, port, TLS mode and type (and a new label)
    response = client.post(url, edit_post(entry, label="Neu", **ATTACK))
    # then the label is saved but the entry still points where it did
    assert response.status_code == 302
    assert VaultEntry.objects.get(pk=entry.pk).label == "Neu"
    assert target_of(entry) == TARGET


def test_technician_may_change_the_target(entry):
    client = client_for(make_user("techniker", role="Technician"))
    url = reverse("vault:edit", args=[entry.pk])
    assert " disabled" not in client.get(url).content.decode().split("<form", 1)[1]
    response = client.post(url, edit_post(entry, host="imap.example.org", port="143"))
    assert response.status_code == 302
    assert target_of(entry) == {**TARGET, "host": "imap.example.org", "port": 143}
    event = AuditEvent.objects.filter(action="vault.entry_updated").get()
    assert event.changes["host"] == ["mail.example.net", "imap.example.org"]


@pytest.mark.parametrize("field", ["host", "port", "tls_mode", "service_type"])
def test_the_service_refuses_a_target_change_without_the_permission(entry, field):
    # given a Support user calling the service directly (not through the form)
    support = make_user("support", role="Support")
    values = {**TARGET, "username": entry.username, "label": entry.label}
    values[field] = {
        "host": "10.0.0.1",
        "port": 25,
        "tls_mode": "starttls",
        "service_type": "pop3",
    }[field]
    if field == "service_type":
        values["port"] = None
    # when it changes one target field, then it is refused and nothing is saved or audited
    with pytest.raises(PermissionDenied, match="Diensttyp, Host, Port oder TLS-Modus"):
        entry_update(actor=support, entry=entry, data=EntryData(**values))
    assert target_of(entry) == TARGET
    assert not AuditEvent.objects.filter(action="vault.entry_updated").exists()


def test_the_service_lets_support_change_everything_else(entry):
    support = make_user("support", role="Support")
    data = EntryData(**TARGET, username="neu@example.net", label="Neu", notes="n")
    entry_update(actor=support, entry=entry, data=data)
    assert VaultEntry.objects.get(pk=entry.pk).username == "neu@example.net"


def test_only_technicians_and_admins_hold_the_permission():
    roles = ["Admin", "Billing", "Support", "Technician"]
    users = [make_user(role.lower(), role=role) for role in roles]
    assert [u.has_perm("vault.change_entry_target") for u in users] == [True, False, False, True]
