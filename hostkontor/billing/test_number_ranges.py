"""Number ranges on the invoice settings page: a pattern is locked once a number was issued
under it (a new one starts on 1 January), the counter can continue a previous system's
numbers (only upwards), and invoices and cancellations never share a pattern."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from hostkontor.core.audit import AuditEvent
from hostkontor.core.models import NumberSequence
from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .forms import SellerProfileForm
from .invoices import invoice_issue
from .models import Invoice, SellerProfile
from .number_ranges import pattern_in_force
from .runs import billing_run_create, billing_run_execute

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    """The settings page as shown, with ``fields`` changed."""
    data = SellerProfileForm(instance=SellerProfile.current()).initial
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data.update(fields)
    return client.post(reverse("billing:seller"), data)


def _issue(customer_number: str) -> Invoice:
    make_contract(make_customer(number=customer_number), f"V-{customer_number}")
    [draft] = billing_run_execute(run=billing_run_create(actor=None, run_date=date(2003, 1, 20)))
    return invoice_issue(actor=None, invoice=draft)


def _range_events() -> list[tuple[str, dict]]:
    return [
        (event.action, event.changes)
        for event in AuditEvent.objects.filter(action__startswith="number_range.").order_by("id")
    ]


@pytest.fixture
def seller():
    return make_seller_profile()


def test_without_issued_numbers_a_new_pattern_applies_at_once(admin_client, seller):
    # when the pattern of a range that has issued nothing is changed
    assert _post(admin_client, invoice_number_pattern="R-{YYYY}-{0000}").status_code == 302

    # then it is in force now, nothing is pending, and the change is audited
    seller = SellerProfile.current()
    assert (seller.invoice_number_pattern, seller.invoice_number_pattern_next) == (
        "R-{YYYY}-{0000}",
        "",
    )
    assert _range_events() == [
        (
            "number_range.pattern_changed",
            {
                "range": ["", "invoice"],
                "pattern": ["RE-{YYYY}-{00000}", "R-{YYYY}-{0000}"],
                "pending": ["", ""],
            },
        )
    ]


def test_a_pattern_with_issued_numbers_changes_on_1_january_only(admin_client, seller):
    # given an invoice issued this year under RE-{YYYY}-{00000}
    today = timezone.localdate()
    first = _issue("K1")
    assert first.number == f"RE-{today:%Y}-00001"

    # when the admin changes the invoice pattern
    response = _post(admin_client, invoice_number_pattern="R{YY}-{0000}")

    # then it is stored as pending from 1 January of the next year, and audited so
    assert response.status_code == 302
    seller = SellerProfile.current()
    next_year = date(today.year + 1, 1, 1)
    assert (
        seller.invoice_number_pattern,
        seller.invoice_number_pattern_next,
        seller.invoice_number_pattern_next_from,
    ) == ("RE-{YYYY}-{00000}", "R{YY}-{0000}", next_year)
    assert _range_events() == [
        (
            "number_range.pattern_scheduled",
            {
                "range": ["", "invoice"],
                "pattern": ["RE-{YYYY}-{00000}", "RE-{YYYY}-{00000}"],
                "pending": ["", f"R{{YY}}-{{0000}} from {next_year}"],
            },
        )
    ]
    # and the page says so
    page = admin_client.get(reverse("billing:seller")).content.decode()
    assert f"R{{YY}}-{{0000}} ab {next_year:%d.%m.%Y}" in page

    # and this year's numbers go on under the old pattern
    assert _issue("K2").number == f"RE-{today:%Y}-00002"
    # and from 1 January the new pattern starts its own range
    with freeze_time(f"{today.year + 1}-01-04 10:00"):
        assert _issue("K3").number == f"R{(today.year + 1) % 100:02d}-0001"


def test_a_pending_pattern_can_be_withdrawn(admin_client, seller):
    # given a pending pattern (numbers were issued under the current one)
    _issue("K1")
    _post(admin_client, invoice_number_pattern="R{YY}-{0000}")

    # when the admin sets the current pattern again
    assert _post(admin_client, invoice_number_pattern="RE-{YYYY}-{00000}").status_code == 302

    # then nothing is pending any more
    seller = SellerProfile.current()
    assert (seller.invoice_number_pattern_next, seller.invoice_number_pattern_next_from) == (
        "",
        None,
    )
    assert pattern_in_force(seller, "invoice", date(2099, 1, 1)) == "RE-{YYYY}-{00000}"


def test_the_counter_continues_the_previous_systems_numbers(admin_client, seller):
    # when the admin sets the next invoice number counter to 4711 for this year
    today = timezone.localdate()
    response = _post(admin_client, invoice_number_pattern_counter=4711)

    # then the next invoice gets number 4711 of this year, and the change is audited
    assert response.status_code == 302
    assert _issue("K1").number == f"RE-{today:%Y}-04711"
    assert _range_events() == [
        ("number_range.counter_raised", {"range": ["", "invoice"], "next_value": ["1", "4711"]})
    ]
    assert NumberSequence.objects.get(range_code="invoice").next_value == 4712


def test_the_counter_is_never_lowered_below_the_last_issued_number(admin_client, seller):
    # given numbers up to 4711 of this year
    _post(admin_client, invoice_number_pattern_counter=4711)
    _issue("K1")

    # when the admin tries to set the counter back to 100
    response = _post(admin_client, invoice_number_pattern_counter=100)

    # then it is refused with the reason, and the counter stays
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "invoice_number_pattern_counter": [
            "Der Zähler kann nur erhöht werden: Nummern bis 4711 sind vergeben, der nächste "
            "freie Wert ist 4712."
        ]
    }
    assert NumberSequence.objects.get(range_code="invoice").next_value == 4712


def test_a_pending_pattern_may_not_overlap_the_other_ranges_pending_pattern(admin_client, seller):
    # given issued numbers in the invoice range
    _issue("K1")

    # when the cancellation range asks for the invoices' next pattern
    response = _post(
        admin_client,
        invoice_number_pattern="R{YY}-{0000}",
        credit_note_number_pattern="R{YY}-{0000}",
    )

    # then it is refused: from 1 January both would issue the same numbers
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "credit_note_number_pattern": [
            "Die Nummernschemata R{YY}-{0000} und R{YY}-{0000} könnten dieselbe "
            "Nummer ergeben: verwenden Sie unterschiedliche Präfixe."
        ]
    }
