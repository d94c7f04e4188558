"""Reading checks: fixed query counts."""

from django.db.models import Count, Q

from .models import Check, CheckRun


def _base():
    return Check.objects.select_related("entry", "entry__customer").defer(
        "entry__password_ciphertext"
    )


def entry_checks(entry) -> list[Check]:
    return list(_base().filter(entry=entry).order_by("id"))


def failing_checks() -> list[Check]:
    return list(
        _base()
        .filter(enabled=True, last_state=Check.State.FAILING)
        .order_by("state_changed_at", "id")
    )


def dashboard(state: str = "") -> dict:
    """Counts per state plus the checks of one state (two queries)."""
    counts = Check.objects.filter(enabled=True).aggregate(
        total=Count("id"),
        ok=Count("id", filter=Q(last_state=Check.State.OK)),
        failing=Count("id", filter=Q(last_state=Check.State.FAILING)),
        unknown=Count("id", filter=Q(last_state=Check.State.UNKNOWN)),
    )
    qs = _base()
    if state in Check.State.values:
        qs = qs.filter(last_state=state, enabled=True)
    else:
        state = ""
    order = ("entry__customer__number", "entry__host", "id")
    return {"counts": counts, "checks": list(qs.order_by(*order)), "state": state}


def customer_checks(customer) -> list[Check]:
    return list(_base().filter(entry__customer=customer).order_by("entry__host", "id"))


def check_history(check: Check, limit: int = 50) -> list[CheckRun]:
    return list(check.runs.all()[:limit])


def runs_since(checks, since) -> dict[int, CheckRun]:
    """The newest run of each check at or after ``since`` (one query)."""
    runs: dict[int, CheckRun] = {}
    qs = CheckRun.objects.filter(check_ref__in=[c.pk for c in checks], at__gte=since)
    for run in qs.order_by("-at", "-id"):
        runs.setdefault(run.check_ref_id, run)
    return runs
