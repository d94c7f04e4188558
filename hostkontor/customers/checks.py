"""Startup checks of the customers' settings: a bad number pattern stops the start, not the
first customer created."""

from django.conf import settings
from django.core import checks

from hostkontor.core.numbering import NumberPatternError, validate_pattern


def customer_number_pattern_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        validate_pattern(settings.CUSTOMER_NUMBER_PATTERN)
    except NumberPatternError as error:
        return [checks.Error(f"HOSTKONTOR_CUSTOMER_NUMBER_PATTERN: {error}", id="customers.E001")]
    return []
