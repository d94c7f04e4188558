import pytest

from hostkontor.testing.services import require_service


def test_missing_service_skips_by_default(monkeypatch):
    monkeypatch.delenv("HOSTKONTOR_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        require_service("dovecot", "/usr/sbin/dovecot not found")
    assert str(info.value.msg) == "service 'dovecot' unavailable: /usr/sbin/dovecot not found"


def test_missing_service_fails_when_services_are_required(monkeypatch):
    monkeypatch.setenv("HOSTKONTOR_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception) as info:
        require_service("dovecot", "/usr/sbin/dovecot not found")
    assert str(info.value.msg) == (
        "service 'dovecot' unavailable: /usr/sbin/dovecot not found (HOSTKONTOR_REQUIRE_SERVICES=1)"
    )
