"""Invoice and credit note number patterns that would repeat a number are refused on the
invoice settings page (issue 9; the rules are in core/numbering.py)."""

from datetime import date

import pytest
from django.urls import reverse

from hostkontor.core.models import NumberSequence
from hostkontor.testing.factories import make_customer

from .forms import SellerProfileForm
from .models import Invoice, SellerProfile

pytestmark = pytest.mark.django_db


def _issued(numbers: list[str], *, range_code: str, period_key: str, next_value: int) -> None:
    """Issued invoices with these numbers, and the range's counter where issuing left it."""
    NumberSequence.objects.create(
        range_code=range_code, period_key=period_key, next_value=next_value
    )
    customer = make_customer()
    for number in numbers:
        invoice = Invoice.objects.create(customer=customer, run_date=date(2026, 1, 5))
        Invoice.objects.filter(pk=invoice.pk).update(
            status=Invoice.Status.ISSUED, number=number, invoice_date=date(2026, 1, 5)
        )


def _post(client, **patterns):
    """The settings page as shown (patterns as last asked for, counters), with ``patterns``."""
    data = SellerProfileForm(instance=SellerProfile.current()).initial
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data.update(patterns)
    return client.post(reverse("billing:seller"), data)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("RE-{MM}-{0000}", "enthält {MM} ohne {YYYY} oder {YY}"),
        ("RE-2026-{0000}", "enthält die Jahreszahl 2026 als festen Text"),
    ],
)
def test_patterns_that_repeat_every_year_are_refused(admin_client, pattern, message):
    # when the admin sets an invoice pattern that repeats its numbers
    response = _post(admin_client, invoice_number_pattern=pattern)
    # then the page refuses it with the reason, and the pattern stays
    assert response.status_code == 200
    [error] = response.context["form"].errors["invoice_number_pattern"]
    assert message in error
    assert SellerProfile.current().invoice_number_pattern == "RE-{YYYY}-{00000}"


def test_a_change_that_would_issue_an_existing_number_again_is_refused(admin_client):
    # given invoices up to no. 1,001 of 2026 under a yearly pattern without separators
    profile = SellerProfile.current()
    profile.invoice_number_pattern = "RE{YYYY}{00000}"
    profile.save()
    _issued(
        ["RE202600001", "RE202600999", "RE202601001"],
        range_code="invoice",
        period_key="2026",
        next_value=1002,
    )
    # when the pattern is changed to count per month (RE202601001 = RE 2026 01 001)
    refused = _post(admin_client, invoice_number_pattern="RE{YYYY}{MM}{000}")
    # then it is refused naming the number; a monthly pattern of another shape is saved
    assert refused.context["form"].errors == {
        "invoice_number_pattern": [
            "Das Nummernschema RE{YYYY}{MM}{000} würde die schon vergebene Nummer RE202601001 "
            "noch einmal vergeben. Ändern Sie einen festen Teil des Schemas (z. B. das Präfix) "
            "oder die Breite des Zählers."
        ]
    }
    assert _post(admin_client, invoice_number_pattern="RE{YYYY}-{MM}-{000}").status_code == 302
    # (numbers were issued under the old one: the new one waits for the next year)
    assert SellerProfile.current().invoice_number_pattern_next == "RE{YYYY}-{MM}-{000}"


def test_credit_notes_cannot_share_the_invoices_pattern(admin_client):
    response = _post(admin_client, credit_note_number_pattern="RE-{YYYY}-{00000}")
    assert response.context["form"].errors == {
        "credit_note_number_pattern": [
            "Die Nummernschemata RE-{YYYY}-{00000} und RE-{YYYY}-{00000} könnten dieselbe "
            "Nummer ergeben: verwenden Sie unterschiedliche Präfixe."
        ]
    }
