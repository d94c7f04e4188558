"""Fixtures shared by every app's tests: users with roles, and a browser for UI tests."""

import os

import pytest

from hostkontor.testing.browser import chromium_browser, page  # noqa: F401 (fixtures)
from hostkontor.testing.smtp import smtp_server  # noqa: F401 (fixture)
from hostkontor.testing.users import make_user


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Files a test stores (invoice PDFs, imports) go to its own temporary directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def admin_user(db):
    return make_user("chef", role="Admin")


@pytest.fixture
def billing_user(db):
    return make_user("buchhaltung", role="Billing")


@pytest.fixture
def technician_user(db):
    return make_user("techniker", role="Technician")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Before Django flushes a transactional test's database, clear issued invoices."""
    marker = item.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(getattr(item, "fixturenames", ()))
    if transactional:
        from hostkontor.testing.immutable import purge_issued_documents

        purge_issued_documents()
    yield


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot of every failed browser test under test-output/screenshots/."""
    outcome = yield
    report = outcome.get_result()
    browser_page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and browser_page is not None:
        directory = os.path.join(
            os.environ.get("HOSTKONTOR_TEST_OUTPUT", "test-output"), "screenshots"
        )
        os.makedirs(directory, exist_ok=True)
        try:
            browser_page.screenshot(
                path=os.path.join(directory, f"{item.name}.png"), full_page=True
            )
        except Exception as error:  # the page may be gone with the failure; the report says why
            report.sections.append(("screenshot", f"no screenshot: {error}"))
