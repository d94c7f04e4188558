"""The Content-Security-Policy in a real Chromium: the pages work without inline script,
handlers or styles, and the browser reports no violation on the way."""

import re
from datetime import date

import pytest

from hostkontor.billing.models import BillingRun
from hostkontor.customers.services import CustomerData, customer_create
from hostkontor.testing.users import PASSWORD
from hostkontor.vault.models import VaultEntry
from hostkontor.vault.testing import make_entry, vault_keys  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reports, from the console and the DOM event."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy violation: ' + e.violatedDirective))"
    )
    return found


def test_pages_work_under_the_policy_without_violations(page, violations, admin_user, vault_keys):  # noqa: F811
    # given a customer with notes and a vault entry
    customer = customer_create(
        actor=None, data=CustomerData(company="Melle Metall GmbH", city="Melle", notes="a\nb")
    )
    entry = make_entry(customer, "Geheim-Passwort-1", notes="Zeile 1\nZeile 2")
    # when the admin logs in
    page.goto("/")
    page.get_by_label("Benutzername").fill("chef")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/$"))
    # and filters the customer list live (htmx) and opens the customer
    page.goto("/customers/")
    page.get_by_placeholder("Nummer, Firma, Ort, E-Mail, Ansprechpartner…").fill("Melle")
    page.wait_for_url(re.compile(r"q=Melle"))
    page.goto(f"/customers/{customer.pk}/")
    # then the notes keep their line breaks through the CSS class, not a style attribute
    notes = page.locator("p.text-pre-line").first
    assert notes.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-line"

    # when a password is revealed (htmx) and hidden again (data-conceal)
    page.goto(f"/vault/{entry.pk}/")
    page.get_by_test_id("reveal").click()
    assert page.get_by_test_id("revealed").locator("code").inner_text() == "Geheim-Passwort-1"
    page.get_by_test_id("revealed").get_by_role("button", name="Verbergen").click()
    # then the value is replaced by the mask
    assert page.locator(f"#reveal-{entry.pk}").inner_text().strip() == "••••••••"

    # when deleting is first declined in the confirmation (data-confirm), then accepted
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Löschen").click()
    assert page.url.endswith(f"/vault/{entry.pk}/")
    assert VaultEntry.objects.filter(pk=entry.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Löschen").click()
    page.wait_for_url(lambda url: f"/vault/{entry.pk}/" not in url)
    assert not VaultEntry.objects.filter(pk=entry.pk).exists()

    # when the vault audit is filtered by choosing an action (data-autosubmit)
    page.goto("/vault/audit/")
    page.locator("select[name=action]").select_option(index=1)
    page.wait_for_url(re.compile(r"action=."))

    # when a billing run is followed while it runs (the bar's width comes from data-progress)
    run = BillingRun.objects.create(
        run_date=date(2026, 12, 1), status="running", customers_total=4, customers_done=1
    )
    page.goto(f"/billing/runs/{run.pk}/")
    bar = page.locator("#run-progress .progress-bar")
    page.wait_for_function("() => document.querySelector('.progress-bar').style.width === '25%'")
    # then the width follows the run also after htmx replaced the progress
    BillingRun.objects.filter(pk=run.pk).update(customers_done=3)
    page.wait_for_function("() => document.querySelector('.progress-bar').style.width === '75%'")
    assert bar.inner_text() == "75 %"

    # then the browser reported no policy violation anywhere on the way
    assert violations == []
