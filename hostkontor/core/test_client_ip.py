from django.test import RequestFactory

from .client_ip import client_ip


def test_without_proxies_the_peer_address_counts_and_forwarded_headers_are_ignored(settings):
    settings.HOSTKONTOR_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert client_ip(request) == "203.0.113.9"


def test_behind_one_proxy_the_last_forwarded_entry_is_the_client(settings):
    settings.HOSTKONTOR_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66, 192.0.2.44"
    )
    assert client_ip(request) == "192.0.2.44"


def test_a_missing_header_behind_a_proxy_falls_back_to_the_peer(settings):
    settings.HOSTKONTOR_PROXY_COUNT = 2
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert client_ip(request) == "10.0.0.2"
