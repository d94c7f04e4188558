from decimal import Decimal

from django.utils import translation

from .templatetags.formatting import audit_action, audit_actor, audit_change, money


def test_money_in_german_and_english():
    with translation.override("de"):
        assert money(Decimal("1234.5")) == "1.234,50\xa0€"
        assert money(Decimal("-0.05")) == "-0,05\xa0€"
    with translation.override("en"):
        assert money(Decimal("1234.5")) == "€1,234.50"
        assert money(Decimal("-7")) == "-€7.00"


def history_event(**fields):
    from .models import AuditEvent

    values = {"actor_name": "system", "action": "customer.updated"}
    values.update(fields)
    return AuditEvent(object_type="customers.customer", object_id="1", **values)


def test_history_shows_labels_choices_dates_and_decimals_in_german():
    # given a recorded change of a customer with raw stored values
    event = history_event(
        changes={
            "tax_treatment": ["", "eu_reverse_charge"],
            "country": ["DE", "AT"],
            "is_active": ["True", "False"],
            "payment_terms_days": ["14", "30"],
            "start": ["", "2003-01-20"],
            "fee": ["1019.50", "19.00"],
            "password": ["", "(changed)"],
        }
    )
    with translation.override("de"):
        # when it is shown
        shown = {name: audit_change(event, name) for name in event.changes}
        action, actor = audit_action(event), audit_actor(event)
    # then field labels, choice labels and values are German and in German formats
    assert shown == {
        "tax_treatment": ("Steuerart", "", "EU, Steuerschuldnerschaft des Leistungsempfängers"),
        "country": ("Land", "Deutschland", "Österreich"),
        "is_active": ("Aktiv", "ja", "nein"),
        "payment_terms_days": ("Zahlungsziel (Tage)", "14", "30"),
        "start": ("start", "", "20.01.2003"),
        "fee": ("fee", "1.019,50", "19,00"),
        "password": ("password", "", "(geändert)"),
    }
    assert (action, actor) == ("Firma: geändert", "System")


def test_history_keeps_unknown_actions_and_real_user_names():
    event = history_event(action="vault.revealed", actor_name="chef", actor_id=7)
    with translation.override("de"):
        assert (audit_action(event), audit_actor(event)) == ("vault.revealed", "chef")
