"""Fixtures of the domains tests: a vault key, demo customers and the domain demo data."""

import base64
from pathlib import Path

import pytest

from hostkontor.vault.keys import get_keyring

SAMPLES_DIR = Path(__file__).parent / "parsers" / "testdata"
SAMPLES = {
    "joker": "joker_dmapi_query-domain-list_showstatus1.txt",
    "autodns": "autodns_xml_0105_domain_inquire_list_response.xml",
    "gandi": "gandi_v5_GET_domain_domains.json",
    "namecheap": "namecheap_domains.getList_response.xml",
    "hexonet": "hexonet_ispapi_QueryDomainList_WIDE1_response.txt",
}


@pytest.fixture(autouse=True)
def vault_key(monkeypatch):
    """A fixed test key (never the developer's key file)."""
    monkeypatch.setenv("HOSTKONTOR_VAULT_KEYS", "test:" + base64.b64encode(b"k" * 32).decode())
    monkeypatch.delenv("HOSTKONTOR_VAULT_KEY_FILE", raising=False)
    get_keyring.cache_clear()
    yield
    get_keyring.cache_clear()


@pytest.fixture
def demo(db):
    """The customers' and the domains' demo data."""
    from hostkontor.customers import demo as customers_demo
    from hostkontor.domains import demo as domains_demo

    customers_demo.build()
    domains_demo.build()


def sample_bytes(fmt: str) -> bytes:
    return (SAMPLES_DIR / SAMPLES[fmt]).read_bytes()


def import_in_the_web(client, data: dict):
    """Upload a registrar list, let the worker reconcile it, open the upload's page: a
    redirect to the import when it succeeded, the page with the error when it failed (an
    upload refused by the form comes back as it is)."""
    from django.urls import reverse

    from hostkontor.testing.tasks import run_queued_tasks

    posted = client.post(reverse("domains:imports"), data)
    if posted.status_code != 302:
        return posted
    run_queued_tasks()
    return client.get(posted["Location"])
