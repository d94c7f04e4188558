"""Running function checks against vault entries and keeping their state.

Passwords are decrypted in the calling thread and handed to the probes as Secrets; the probes
scrub them from every message. Many checks run concurrently (:func:`probes.iter_checks`, one
thread each, at most ``CHECKS_PER_HOST`` per server address), every one bounded by its own
timeout, so a batch against hosts that never answer takes about one timeout. The database is
only touched in the calling thread: before, and as each result arrives.

Checks connect only to public addresses unless ``CHECKS_ALLOWED_NETWORKS`` allows an internal
one (see :mod:`.targets`). Every manual run (button, "run all", ``run_checks``) is audited as
``check.run``; a run from the web is only requested here and done by the task worker, since
a check may take its whole timeout, longer than a web request may.

State changes (ok → failing, failing → ok) mail the Admin-role users once; repeated failures
don't. The first result of a new check sets the baseline without a mail.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.debug import sensitive_variables

from hostkontor.billing.mail_signature import mail_signature, profile_details, sender_address
from hostkontor.core.audit import audit_record, diff_fields, snapshot
from hostkontor.core.errors import FieldErrors
from hostkontor.vault.crypto import VaultError
from hostkontor.vault.services import entry_secret

from .models import KIND_FOR_SERVICE, Check, CheckRun, probe_tls
from .probes import DEFAULT_PER_HOST, DEFAULT_PORTS, CheckResult, CheckSpec, iter_checks, run_check
from .targets import parse_networks

logger = logging.getLogger(__name__)

CONFIG_ERROR = "config_error"  # the check could not be built (no key, unsupported TLS mode …)
CHECK_FIELDS = [
    "enabled",
    "interval_minutes",
    "timeout",
    "database",
    "path",
    "expected_status",
    "min_cert_days",
    "verify_tls",
]


def ca_file() -> str | None:
    """Extra CA bundle for TLS verification (``settings.CHECKS_CA_FILE`` or
    ``HOSTKONTOR_CHECKS_CA_FILE``); None: the system's trust store."""
    return (
        getattr(settings, "CHECKS_CA_FILE", None)
        or os.environ.get("HOSTKONTOR_CHECKS_CA_FILE")
        or None
    )


def allowed_networks() -> tuple:
    """Internal networks checks may connect to (``settings.CHECKS_ALLOWED_NETWORKS``, env
    ``HOSTKONTOR_CHECKS_ALLOWED_NETWORKS``: comma-separated addresses/CIDRs; default none)."""
    return parse_networks(getattr(settings, "CHECKS_ALLOWED_NETWORKS", "") or "")


def per_host() -> int:
    """Checks at once against one server address (``CHECKS_PER_HOST``, default 4)."""
    return int(getattr(settings, "CHECKS_PER_HOST", DEFAULT_PER_HOST) or DEFAULT_PER_HOST)


def checkable(entry) -> bool:
    kind = KIND_FOR_SERVICE.get(entry.service_type)
    return (
        kind is not None and (kind, probe_tls(entry.service_type, entry.tls_mode)) in DEFAULT_PORTS
    )


@sensitive_variables("password")
def check_spec(check: Check) -> CheckSpec:
    """The probe spec of a check, with the entry's password (decrypted here)."""
    entry = check.entry
    kind = KIND_FOR_SERVICE.get(entry.service_type)
    if kind is None:
        raise ValueError(f"{entry.get_service_type_display()} entries cannot be checked")
    tls = probe_tls(entry.service_type, entry.tls_mode)
    password = entry_secret(entry)
    return CheckSpec(
        kind=kind,
        host=entry.host,
        port=entry.port or None,
        tls=tls,
        username=entry.username or None,
        password=password,
        database=check.database or None,
        path=check.path or "/",
        expected_status=check.expected_status,
        timeout=float(check.timeout),
        verify_tls=check.verify_tls,
        ca_file=ca_file() if tls != "none" else None,
        min_cert_days=check.min_cert_days if tls != "none" else None,
        allowed_networks=allowed_networks(),
    )


def _validate(check: Check) -> None:
    errors = {}
    if not checkable(check.entry):
        errors["entry"] = "this service type / TLS mode cannot be checked"
    if not 0 < check.timeout <= 120:
        errors["timeout"] = "must be between 0 and 120 seconds"
    if check.interval_minutes < 1:
        errors["interval_minutes"] = "must be at least 1"
    if not (check.path or "/").startswith("/"):
        errors["path"] = "must start with /"
    if errors:
        raise FieldErrors(errors)


@transaction.atomic
def check_create(*, actor, entry, values: dict | None = None, ip_address=None) -> Check:
    check = Check(entry=entry)
    for name, value in (values or {}).items():
        if name in CHECK_FIELDS:
            setattr(check, name, value)
    _validate(check)
    check.save()
    audit_record(
        actor=actor,
        action="check.created",
        obj=check,
        customer_id=entry.customer_id,
        changes=diff_fields({}, snapshot(check, CHECK_FIELDS)),
        ip_address=ip_address,
    )
    return check


@transaction.atomic
def check_update(*, actor, check: Check, values: dict, ip_address=None) -> Check:
    check = Check.objects.select_for_update(of=("self",)).select_related("entry").get(pk=check.pk)
    before = snapshot(check, CHECK_FIELDS)
    for name, value in values.items():
        if name in CHECK_FIELDS:
            setattr(check, name, value)
    _validate(check)
    if check.enabled and check.next_run_at is None:
        check.next_run_at = timezone.now()
    check.save()
    changes = diff_fields(before, snapshot(check, CHECK_FIELDS))
    if changes:
        audit_record(
            actor=actor,
            action="check.updated",
            obj=check,
            customer_id=check.entry.customer_id,
            changes=changes,
            ip_address=ip_address,
        )
    return check


@transaction.atomic
def check_delete(*, actor, check: Check, ip_address=None) -> None:
    audit_record(
        actor=actor,
        action="check.deleted",
        obj=check,
        customer_id=check.entry.customer_id,
        changes=diff_fields(snapshot(check, CHECK_FIELDS), {}),
        ip_address=ip_address,
    )
    check.delete()


# --- running ------------------------------------------------------------------------------------


def _admin_emails() -> list[str]:
    from hostkontor.accounts.roles import ADMIN

    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=ADMIN) | Q(is_superuser=True))
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


def _alert(check: Check, run: CheckRun, old: str, new: str) -> None:
    recipients = _admin_emails()
    if not recipients:
        logger.warning(
            "check %s changed %s -> %s; no admin has an e-mail address", check.pk, old, new
        )
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "check": check,
            "entry": check.entry,
            "run": run,
            "old": old,
            "new": new,
            # the states in the mail's language ("in Ordnung", "fehlerhaft"), not their codes
            "old_label": Check.State(old).label,
            "new_label": Check.State(new).label,
        }
        seller = profile_details()
        context["signature"] = mail_signature(seller, settings.LANGUAGE_CODE[:2])
        subject = render_to_string("checks/mail/alert_subject.txt", context).strip()
        body = render_to_string("checks/mail/alert_body.txt", context)
    send_mail(subject, body, sender_address(seller), recipients, fail_silently=False)


def _record(check: Check, result: CheckResult, at) -> CheckRun:
    """Store one result, update the check's state and alert on ok <-> failing."""
    new_state = Check.State.OK if result.ok else Check.State.FAILING
    with transaction.atomic():
        locked = Check.objects.select_for_update().get(pk=check.pk)
        old_state = locked.last_state
        run = CheckRun.objects.create(
            check_ref=locked,
            at=at,
            ok=result.ok,
            category=result.category or "",
            message=result.message[:600],
            latency_ms=max(0, int(result.latency_ms)),
            details=result.details,
        )
        updates = {
            "last_state": new_state,
            "last_run_at": at,
            "last_category": result.category or "",
            "last_message": result.message[:600],
            "last_latency_ms": max(0, int(result.latency_ms)),
        }
        if old_state != new_state:
            updates["state_changed_at"] = at
        Check.objects.filter(pk=check.pk).update(**updates)
        for name, value in updates.items():
            setattr(check, name, value)
    changed = {old_state, new_state} == {Check.State.OK, Check.State.FAILING}
    if changed:
        try:
            _alert(check, run, old_state, new_state)
        except Exception:  # a broken mail server must not stop the checks
            logger.exception("check %s: state-change alert could not be sent", check.pk)
    logger.info("check %s %s: %s", check.pk, "ok" if result.ok else result.category, result.message)
    return run


def _config_failure(error: Exception) -> CheckResult:
    if isinstance(error, VaultError):
        text = f"vault: password cannot be decrypted ({type(error).__name__}: {error})"
    else:
        text = f"check cannot run: {error}"
    return CheckResult(ok=False, category=CONFIG_ERROR, message=text[:600], latency_ms=0)


def _audit_runs(*, actor, checks: list[Check], via: str, ip_address=None) -> None:
    for check in checks:
        audit_record(
            actor=actor,
            action="check.run",
            obj=check,
            customer_id=check.entry.customer_id,
            changes={
                "via": ["", via],
                "target": ["", f"{check.entry.host}:{check.entry.effective_port}"],
            },
            ip_address=ip_address,
        )


def checks_run(
    checks: Iterable[Check],
    *,
    max_workers: int | None = None,
    actor=None,
    via: str | None = None,
    ip_address=None,
) -> list[CheckRun]:
    """Run the given checks now, concurrently, recording each result as it arrives; runs in
    the order given. ``via`` ("cli", …) marks a manual run, audited first; the scheduled and
    the worker's runs (audited when requested) pass none."""
    checks = list(checks)
    if via:
        _audit_runs(actor=actor, checks=checks, via=via, ip_address=ip_address)
    specs, prepared, runs = [], [], {}
    for check in checks:
        try:
            specs.append(check_spec(check))
            prepared.append(check)
        except (VaultError, ValueError) as error:
            runs[check.pk] = _record(check, _config_failure(error), timezone.now())
    for index, result in iter_checks(specs, max_workers=max_workers, per_host=per_host()):
        runs[prepared[index].pk] = _record(prepared[index], result, timezone.now())
    return [runs[check.pk] for check in checks]


def check_run_now(*, actor, check: Check, via: str = "direct", ip_address=None) -> CheckRun:
    """One check, now, in this thread (audited)."""
    _audit_runs(actor=actor, checks=[check], via=via, ip_address=ip_address)
    try:
        result = run_check(check_spec(check))
    except (VaultError, ValueError) as error:
        result = _config_failure(error)
    return _record(check, result, timezone.now())


@transaction.atomic
def checks_run_request(*, actor, checks: list[Check], via: str, ip_address=None):
    """A manual run from the web ("run now", "run all now"): audited here, enqueued for the
    task worker; the page polls for the results (the returned task result's id)."""
    from .tasks import run_checks_now

    _audit_runs(actor=actor, checks=checks, via=via, ip_address=ip_address)
    return run_checks_now.enqueue([check.pk for check in checks])


def _claim_due(now) -> list[Check]:
    """Due checks, each claimed by moving its next run forward (compare-and-swap), so two
    workers never run the same check for the same slot."""
    due = list(
        Check.objects.select_related("entry", "entry__customer")
        .filter(enabled=True)
        .filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True))
        .order_by("next_run_at", "id")
    )
    claimed = []
    for check in due:
        next_run = now + timedelta(minutes=check.interval_minutes)
        won = Check.objects.filter(pk=check.pk, next_run_at=check.next_run_at).update(
            next_run_at=next_run
        )
        if won:
            check.next_run_at = next_run
            claimed.append(check)
    return claimed


def checks_run_due(*, now=None) -> list[CheckRun]:
    """The scheduled run: every enabled check whose next run is due."""
    return checks_run(_claim_due(now or timezone.now()))
