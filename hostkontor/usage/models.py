"""Usage (consumption) data and how it is billed.

* :class:`UsageComponent` -- a metered part of a contract with its pricing (included quantity,
  unit price or tiers, rounding, byte base, direction, aggregation). Billed in arrears per
  billing period of the contract, one invoice line per (component, period) -- the billing app's
  partial unique index ``invoiceline_usage_period_once`` makes that exactly once.
* :class:`SubjectMapping` -- which interface / port / vhost / IP (the *subject key* of the
  records) belongs to which component, with from/to dates so a port can move.
* :class:`UsageRecord` -- one imported sample. ``unique_key`` (source, subject, metric, start,
  end) is unique, so re-imports and overlapping exports never count twice.
* :class:`UsageImport` -- one imported file with its counts.
* :class:`UsageMapping` -- a user-defined CSV/JSON/XML format (TOML, see docs/usage.md).
* :class:`UsagePeriodHold` -- a billing period with gaps in its samples, held back from billing
  until someone confirms it (or a later import fills the gap).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hostkontor.contracts.models import Contract
from hostkontor.core.upload_jobs import UploadJob

SI_GB = 10**9
BINARY_GB = 2**30


class Unit(models.TextChoices):
    GB = "GB", "GB"
    TB = "TB", "TB"
    MBIT_S = "Mbit/s", "Mbit/s"
    GBIT_S = "Gbit/s", "Gbit/s"
    PIECE = "piece", _("piece")


class TierMode(models.TextChoices):
    GRADUATED = "graduated", _("graduated (each slice at its tier's price)")
    VOLUME = "volume", _("volume (whole quantity at the reached tier's price)")


class Rounding(models.TextChoices):
    UP = "up", _("up (per started step)")
    HALF_UP = "half_up", _("commercially (half up)")
    DOWN = "down", _("down")


class ByteBase(models.IntegerChoices):
    SI = SI_GB, _("1 GB = 10^9 bytes")
    BINARY = BINARY_GB, _("1 GB = 2^30 bytes")


class Direction(models.TextChoices):
    NONE = "", _("— (not directional)")
    IN = "in", _("in")
    OUT = "out", _("out")
    SUM = "sum", _("in + out")
    MAX = "max", _("the higher of in and out")


class Aggregation(models.TextChoices):
    VOLUME = "volume", _("volume (sum over the period)")
    PERCENTILE95 = "percentile95", _("95th percentile")
    MAX = "max", _("maximum")
    LAST = "last", _("last value")


class UsageComponent(models.Model):
    """A metered part of a contract (e.g. traffic above an included volume), billed in arrears
    per billing period of the contract.

    ``metric`` names the records it measures: with a ``direction`` the records' metrics are
    ``<metric>_in`` / ``<metric>_out`` (e.g. ``traffic_bytes`` -> ``traffic_bytes_in``),
    without one the records' metric is ``metric`` itself (e.g. ``http_bytes_out``)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="usage_components"
    )
    name = models.CharField(_("name"), max_length=120)
    metric = models.CharField(_("metric"), max_length=40)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.GB)
    included = models.DecimalField(
        _("included per billing period"),
        max_digits=16,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    unit_price = models.DecimalField(
        _("price per unit"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Net price per billable unit; leave empty when tiers are given."),
    )
    tiers = models.JSONField(
        _("tiers"),
        default=list,
        blank=True,
        help_text=_(
            '[{"up_to": "1000", "unit_price": "0.10"}, {"up_to": null, "unit_price": "0.08"}]'
        ),
    )
    tier_mode = models.CharField(
        _("tier mode"), max_length=10, choices=TierMode.choices, default=TierMode.GRADUATED
    )
    rounding_step = models.DecimalField(
        _("rounding step"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        default=Decimal("1"),
        help_text=_("Billable quantity is rounded to multiples of this (1 = per started unit)."),
    )
    rounding = models.CharField(
        _("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.UP
    )
    byte_base = models.BigIntegerField(
        _("byte base"), choices=ByteBase.choices, default=ByteBase.SI
    )
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, blank=True, default=Direction.NONE
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=12, choices=Aggregation.choices, default=Aggregation.VOLUME
    )
    sample_interval = models.PositiveIntegerField(
        _("expected sample interval (seconds)"),
        null=True,
        blank=True,
        help_text=_(
            "Periods with gaps longer than this are held back from billing; empty = no check."
        ),
    )
    billed_from = models.DateField(
        _("usage billed from"),
        null=True,
        blank=True,
        help_text=_("Usage before this day is not billed (empty: from the contract start)."),
    )

    class Meta:
        ordering = ["contract", "name"]
        verbose_name = _("usage component")
        verbose_name_plural = _("usage components")

    def __str__(self) -> str:
        return self.name

    @property
    def record_metrics(self) -> tuple[str, ...]:
        if self.direction:
            return (f"{self.metric}_in", f"{self.metric}_out")
        return (self.metric,)


class SubjectMapping(models.Model):
    """Subject key (interface, switch port, vhost, IP, customer number) -> component, valid
    ``valid_from`` .. ``valid_to`` (inclusive days in local time; empty = open)."""

    subject_key = models.CharField(_("subject key"), max_length=255)
    source = models.CharField(
        _("source"),
        max_length=40,
        blank=True,
        help_text=_("Only records of this source (empty: any)."),
    )
    component = models.ForeignKey(
        UsageComponent,
        on_delete=models.CASCADE,
        related_name="subject_mappings",
        verbose_name=_("usage component"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["subject_key", "valid_from", "id"]
        verbose_name = _("subject mapping")
        verbose_name_plural = _("subject mappings")
        indexes = [models.Index(fields=["subject_key"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="subjectmapping_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.subject_key


class UsageMapping(models.Model):
    """A user-defined import format: the import framework's TOML plus a ``[usage]`` table."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    toml = models.TextField(_("mapping (TOML)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("usage import format")
        verbose_name_plural = _("usage import formats")

    def __str__(self) -> str:
        return self.name


class UsageImport(models.Model):
    """One imported file and what it changed."""

    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(_("format"), max_length=20, blank=True)
    mapping = models.ForeignKey(
        UsageMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    mapping_name = models.CharField(_("import format"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    records_read = models.PositiveIntegerField(_("records read"), default=0)
    records_new = models.PositiveIntegerField(_("new"), default=0)
    records_duplicate = models.PositiveIntegerField(_("duplicate"), default=0)
    records_updated = models.PositiveIntegerField(_("updated"), default=0)
    unmatched_subjects = models.JSONField(_("unmatched subject keys"), default=list, blank=True)
    periods_changed = models.JSONField(_("periods changed"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("usage import")
        verbose_name_plural = _("usage imports")
        permissions = [("import_usage", _("Can import usage data"))]

    def __str__(self) -> str:
        return self.filename


class UsageUpload(UploadJob):
    """A usage file uploaded in the web, waiting for or handled by the worker.

    The request only stores the file at ``path`` in the default storage (moved or copied in
    chunks, never read whole); the worker imports it and links the ``usage_import``, or
    keeps the error (file, line, field) and saves nothing. The file is deleted at the end.
    """

    format = models.CharField(_("format"), max_length=20, blank=True)
    mapping = models.ForeignKey(
        UsageMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    records = models.PositiveIntegerField(_("records read"), default=0)
    usage_import = models.ForeignKey(
        UsageImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(UploadJob.Meta):
        verbose_name = _("usage upload")
        verbose_name_plural = _("usage uploads")

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class UsageRecord(models.Model):
    """One sample: ``quantity`` (bytes, bit/s, pieces ...) of ``subject`` over [start, end)."""

    source = models.CharField(max_length=40)
    subject = models.CharField(max_length=255)
    metric = models.CharField(max_length=64)
    start = models.DateTimeField()
    end = models.DateTimeField()
    quantity = models.DecimalField(max_digits=30, decimal_places=6)
    unique_key = models.CharField(max_length=400, unique=True)
    usage_import = models.ForeignKey(
        UsageImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
        db_index=False,
    )

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        indexes = [models.Index(fields=["subject", "start"], name="usagerecord_subject_start")]

    def __str__(self) -> str:
        return self.unique_key


class UsagePeriodHold(models.Model):
    """A billing period of a component whose samples have gaps: not billed while ``open``."""

    class Status(models.TextChoices):
        OPEN = "open", _("held (gaps)")
        CONFIRMED = "confirmed", _("confirmed, bill as measured")
        FILLED = "filled", _("gaps filled by a later import")

    component = models.ForeignKey(UsageComponent, on_delete=models.CASCADE, related_name="holds")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    gaps = models.JSONField(default=list, blank=True)  # [{"subject", "start", "end"}] (ISO, UTC)
    missing_samples = models.PositiveIntegerField(default=0)
    coverage = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    detected_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["component", "period_start"]
        verbose_name = _("usage period hold")
        verbose_name_plural = _("usage period holds")
        constraints = [
            models.UniqueConstraint(
                fields=["component", "period_start"], name="usageperiodhold_once"
            ),
        ]
        permissions = [("confirm_usageperiodhold", _("Can release held usage periods for billing"))]

    def __str__(self) -> str:
        return f"{self.component} {self.period_start}"
