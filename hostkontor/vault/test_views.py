"""Vault pages: metadata-only lists, the reveal fragment, permissions, the generator."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from hostkontor.core.models import AuditEvent
from hostkontor.testing.factories import make_customer
from hostkontor.testing.queries import count_queries
from hostkontor.testing.users import make_user

from .crypto import Secret
from .models import VaultEntry
from .password_generator import LOOKALIKES
from .services import EntryData, entry_secret, entry_update
from .testing import KEY_B, make_entry

pytestmark = pytest.mark.django_db

PASSWORD = "Kr4ken&Tinte-Mailbox"


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def entry(customer):
    return make_entry(
        customer, PASSWORD, label="Info-Postfach", tls_mode="implicit", tags="mail, wichtig"
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_metadata_only(admin_client, entry):
    response = admin_client.get(reverse("vault:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Info-Postfach" in html and "mail.example.net" in html and ">993<" in html
    assert PASSWORD not in html
    assert entry.password_ciphertext not in html
    assert "v1:testA:" not in html


def test_list_filters(admin_client, customer, entry):
    make_entry(customer, "x-1-Other", service_type="ftp", host="ftp.example.net", username="web1")
    response = admin_client.get(reverse("vault:list"), {"service_type": "ftp"})
    assert [e.host for e in response.context["page"]] == ["ftp.example.net"]
    response = admin_client.get(reverse("vault:list"), {"q": "wichtig"})
    assert [e.label for e in response.context["page"]] == ["Info-Postfach"]
    response = admin_client.get(reverse("vault:list"), {"q": PASSWORD})
    assert list(response.context["page"]) == []


def test_list_query_count_is_fixed(admin_client, customer):
    # given one entry, then 60 (more than a page) of several customers with history
    make_entry(customer, "pw-0-xyz", username="u0@example.net", tags="a, b")
    urls = [
        reverse("vault:list"),
        reverse("vault:list") + "?q=example&service_type=imap",
        reverse("vault:list") + f"?customer={customer.pk}",
        reverse("customers:detail", args=[customer.pk]),
    ]
    few = [count_queries(admin_client, url) for url in urls]
    other = make_customer("K10002", "Andere GmbH")
    for i in range(1, 60):
        entry = make_entry(
            other if i % 2 else customer, f"pw-{i}-xyz", username=f"u{i}@example.net", tags="a"
        )
        entry_update(
            actor=None,
            entry=entry,
            data=EntryData(service_type="imap", host="mail.example.net", username=entry.username),
            password=Secret(f"pw-{i}-new"),
        )
    # when the list pages and the customer hub are opened again
    many = [count_queries(admin_client, url) for url in urls]
    # then they cost the same number of queries
    assert many == few


def test_audit_page_query_count_is_fixed(admin_client, technician_user, entry):
    client = client_for(technician_user)
    client.post(reverse("vault:reveal", args=[entry.pk]))
    few = count_queries(admin_client, reverse("vault:audit"))
    for _ in range(30):
        client.post(reverse("vault:reveal", args=[entry.pk]))
    assert count_queries(admin_client, reverse("vault:audit")) == few


def test_reveal_returns_a_no_store_fragment_with_copy_button(admin_client, entry):
    response = admin_client.post(reverse("vault:reveal", args=[entry.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert (
        f'<code id="secret-{entry.pk}" class="user-select-all">{PASSWORD.replace("&", "&amp;")}</code>'
        in html
    )
    assert f'data-copy="#secret-{entry.pk}"' in html
    assert "<html" not in html
    event = AuditEvent.objects.get(action="vault.revealed")
    assert (event.actor_name, event.ip_address, event.object_id) == (
        "chef",
        "127.0.0.1",
        str(entry.pk),
    )


def test_reveal_needs_post(admin_client, entry):
    assert admin_client.get(reverse("vault:reveal", args=[entry.pk])).status_code == 405


def test_billing_may_not_reveal_nor_list(billing_user, entry):
    client = client_for(billing_user)
    assert client.post(reverse("vault:reveal", args=[entry.pk])).status_code == 403
    assert client.get(reverse("vault:list")).status_code == 403
    assert not AuditEvent.objects.filter(action="vault.revealed").exists()


@pytest.mark.parametrize("role", ["Support", "Technician"])
def test_support_and_technician_may_reveal(role, entry):
    client = client_for(make_user(f"u-{role}", role=role))
    response = client.post(reverse("vault:reveal", args=[entry.pk]))
    assert response.status_code == 200
    assert PASSWORD.replace("&", "&amp;") in response.content.decode()


def test_reveal_audit_page_is_admin_only(admin_client, technician_user, entry):
    client_for(technician_user).post(
        reverse("vault:reveal", args=[entry.pk]), REMOTE_ADDR="198.51.100.4"
    )
    response = admin_client.get(reverse("vault:audit"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "techniker" in html and "vault.revealed" in html and "198.51.100.4" in html
    assert client_for(technician_user).get(reverse("vault:audit")).status_code == 403


def test_detail_shows_reveal_button_only_with_permission(entry, technician_user):
    html = (
        client_for(technician_user).get(reverse("vault:detail", args=[entry.pk])).content.decode()
    )
    assert 'data-testid="reveal"' in html
    assert PASSWORD not in html
    viewer = make_user("viewer", role=None)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_vaultentry"))
    html = client_for(viewer).get(reverse("vault:detail", args=[entry.pk])).content.decode()
    assert 'data-testid="reveal"' not in html


def test_create_through_the_form(technician_user, customer):
    client = client_for(technician_user)
    response = client.post(
        reverse("vault:create", args=[customer.pk]),
        {
            "service_type": "pop3",
            "host": "pop.example.net",
            "tls_mode": "implicit",
            "username": "a@example.net",
            "password": "N3u-Geheim!",
        },
    )
    entry = VaultEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("vault:detail", args=[entry.pk])
    assert entry_secret(entry).reveal() == "N3u-Geheim!"
    assert entry.effective_port == 995


def test_invalid_form_does_not_echo_the_password(technician_user, customer):
    response = client_for(technician_user).post(
        reverse("vault:create", args=[customer.pk]),
        {"service_type": "pop3", "host": "", "tls_mode": "implicit", "password": "Echo-Me-Not-77"},
    )
    assert response.status_code == 200
    assert "Echo-Me-Not-77" not in response.content.decode()


def test_edit_form_renders_the_password_empty_and_keeps_it(technician_user, entry):
    client = client_for(technician_user)
    html = client.get(reverse("vault:edit", args=[entry.pk])).content.decode()
    field = re.search(r'<input type="password" name="password"[^>]*>', html).group(0)
    assert "value=" not in field
    assert "no-store" in client.get(reverse("vault:edit", args=[entry.pk]))["Cache-Control"]
    response = client.post(
        reverse("vault:edit", args=[entry.pk]),
        {
            "service_type": "imap",
            "host": "mail.example.net",
            "tls_mode": "implicit",
            "username": "info@example.net",
            "label": "Neu",
            "password": "",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.label, entry_secret(entry).reveal(), entry.history.count()) == (
        "Neu",
        PASSWORD,
        0,
    )


def test_generator_fills_the_field(technician_user):
    response = client_for(technician_user).post(
        reverse("vault:generate"), {"length": "24", "readable": "on"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    value = re.search(
        r'id="id_password" class="[^"]*" value="([^"]*)"', response.content.decode()
    ).group(1)
    assert len(value) == 24
    assert not set(value) & LOOKALIKES
    assert value.isalnum()  # symbols unchecked


def test_generator_needs_an_editor(billing_user):
    assert (
        client_for(billing_user).post(reverse("vault:generate"), {"length": "20"}).status_code
        == 403
    )


def test_wrong_key_gives_a_clear_error_never_the_ciphertext(
    admin_client, entry, vault_keys, caplog
):
    # given the configured key is not the one the entry was encrypted with
    vault_keys("testA:" + KEY_B.split(":", 1)[1])
    # when the password is revealed
    response = admin_client.post(reverse("vault:reveal", args=[entry.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # then the answer is a loud error, with neither ciphertext nor password
    assert response.status_code == 500
    assert 'data-testid="vault-error"' in html
    assert "VaultDecryptError" in html
    assert "Das Passwort kann nicht entschlüsselt werden." in html
    assert entry.password_ciphertext not in html
    assert entry.password_ciphertext.split(":")[2] not in html
    assert PASSWORD not in html
    assert "VaultDecryptError" in caplog.text
    assert not AuditEvent.objects.filter(action="vault.revealed").exists()


def test_wrong_key_full_page_for_normal_requests(admin_client, entry, vault_keys):
    vault_keys(KEY_B)
    response = admin_client.post(
        reverse("vault:edit", args=[entry.pk]),
        {
            "service_type": "imap",
            "host": "mail.example.net",
            "tls_mode": "implicit",
            "password": "Neu-Pw-1!",
        },
    )
    html = response.content.decode()
    assert response.status_code == 500
    assert "<html" in html and "VaultKeyMissing" in html and "testA" in html
    assert entry.password_ciphertext not in html


def test_customer_hub_shows_the_panel(admin_client, customer, entry):
    html = admin_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="hub-vault"' in html
    assert "1 Eintrag" in html
    assert PASSWORD not in html


def test_navigation_entry(admin_client, billing_user):
    html = admin_client.get(reverse("vault:list")).content.decode()
    assert f'href="{reverse("vault:list")}"' in html and "Passwörter" in html
    html = client_for(billing_user).get(reverse("customers:list")).content.decode()
    assert f'href="{reverse("vault:list")}"' not in html


def test_every_page_renders(admin_client, customer, entry):
    from hostkontor.checks.services import check_create

    check = check_create(actor=None, entry=entry)
    urls = [
        reverse("vault:list") + f"?customer={customer.pk}",
        reverse("vault:detail", args=[entry.pk]),
        reverse("vault:create", args=[customer.pk]),
        reverse("vault:edit", args=[entry.pk]),
        reverse("vault:sheet", args=[customer.pk]),
        reverse("vault:sheet_bulk"),
        reverse("vault:audit") + "?action=vault.revealed",
        reverse("checks:dashboard") + "?state=all",
        reverse("checks:detail", args=[check.pk]),
        reverse("checks:edit", args=[check.pk]),
        reverse("checks:create", args=[entry.pk]),
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert PASSWORD not in response.content.decode(), url
