import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_a_customer_number_pattern_that_repeats_stops_the_start(settings):
    # given a customer number pattern with the month but no year
    settings.CUSTOMER_NUMBER_PATTERN = "K{MM}-{000}"
    # when Django's checks run (as every manage.py command and `start` do)
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    # then the check names the variable and the reason
    assert (
        "customers.E001) HOSTKONTOR_CUSTOMER_NUMBER_PATTERN: Das Nummernschema K{MM}-{000} "
        "enthält {MM} ohne {YYYY} oder {YY}" in str(error.value)
    )


def test_the_default_customer_number_pattern_passes(settings):
    settings.CUSTOMER_NUMBER_PATTERN = "K{00000}"
    call_command("check")
