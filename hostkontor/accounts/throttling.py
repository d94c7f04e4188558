"""Rate limits on the doors that need no login: the login form and the password-reset form.

**Login** is throttled by django-axes. Axes counts failures per combination of its lockout
parameters but compares them all with one ``AXES_FAILURE_LIMIT``; a lower limit per user name
and address (``HOSTKONTOR_LOGIN_FAILURE_LIMIT``, 5) together with a higher one per address
across user names (``HOSTKONTOR_LOGIN_ADDRESS_FAILURE_LIMIT``, 20) needs its callable failure
limit: :func:`login_failure_limit`. Axes keeps tracking (user name, address) only, so a
successful login still resets just that user's failures, never the whole address's.

**Password reset** mails are limited per client address and per e-mail address
(``HOSTKONTOR_PASSWORD_RESET_LIMIT`` per ``HOSTKONTOR_PASSWORD_RESET_WINDOW``), counted in
the database so every web worker sees the same numbers. A throttled request gets the same
answer as any other, so the form tells nobody which addresses exist.
"""

from __future__ import annotations

import hashlib
import logging

from axes.attempts import get_cool_off_threshold
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from .models import ThrottleEvent

log = logging.getLogger(__name__)


def login_failure_limit(request, credentials) -> int:
    """Axes' failure limit for this request: the per-user limit, or 0 (locked for every user
    name) once the client address has failed ``HOSTKONTOR_LOGIN_ADDRESS_FAILURE_LIMIT`` times
    within the cool-off time."""
    address = getattr(request, "axes_ip_address", None)
    if address:
        failures = (
            AccessAttempt.objects.filter(
                ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if failures >= settings.HOSTKONTOR_LOGIN_ADDRESS_FAILURE_LIMIT:
            return 0
    return settings.HOSTKONTOR_LOGIN_FAILURE_LIMIT


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def throttle_hit(*, scope: str, key: str, limit: int, window) -> bool:
    """Count one request for (scope, key); True while at most ``limit`` fall in the window.

    The row is committed before counting, so concurrent requests can only be refused too
    often, never allowed too often. Rows older than the window are removed on the way.
    """
    now = timezone.now()
    digest = _hash(key)
    ThrottleEvent.objects.filter(scope=scope, created_at__lt=now - window).delete()
    ThrottleEvent.objects.create(scope=scope, key=digest, created_at=now)
    count = ThrottleEvent.objects.filter(
        scope=scope, key=digest, created_at__gte=now - window
    ).count()
    return count <= limit


def password_reset_allowed(*, address: str | None, email: str) -> bool:
    """Whether a reset mail may go out now for this client address and e-mail address.

    Both counters always count, so hammering one e-mail from many addresses or many e-mails
    from one address are both held back.
    """
    limit = settings.HOSTKONTOR_PASSWORD_RESET_LIMIT
    window = settings.HOSTKONTOR_PASSWORD_RESET_WINDOW
    by_address = throttle_hit(
        scope="password_reset.address", key=address or "-", limit=limit, window=window
    )
    by_email = throttle_hit(
        scope="password_reset.email", key=email.strip().lower(), limit=limit, window=window
    )
    if not (by_address and by_email):
        log.warning(
            "password reset throttled (%s)", "address" if not by_address else "e-mail address"
        )
    return by_address and by_email
