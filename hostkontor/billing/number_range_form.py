"""The number-range part of the invoice settings form (rules in ``number_ranges.py``).

The form checks; saving leaves the two pattern columns to
:func:`~hostkontor.billing.number_ranges.seller_number_ranges_update`, which decides whether
a new pattern applies now or from 1 January, and raises the counters.
"""

from datetime import timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from hostkontor.core.numbering import NumberPatternError, pattern_change_check

from .models import Invoice, SellerProfile
from .number_ranges import (
    RANGE_FIELDS,
    RangeRequest,
    counter_next,
    pattern_in_force,
    pattern_pending,
    pattern_requested,
    patterns_plan,
    patterns_plan_check,
)

COUNTER_FIELDS = {code: f"{field}_counter" for code, field in RANGE_FIELDS.items()}
COUNTER_LABELS = {
    Invoice.Kind.INVOICE.value: _("Next invoice number counter (this year)"),
    Invoice.Kind.CREDIT_NOTE.value: _("Next cancellation invoice number counter (this year)"),
}
NUMBER_RANGE_FIELDS = (*RANGE_FIELDS.values(), *COUNTER_FIELDS.values())


class NumberRangeFormMixin:
    """For a ModelForm of :class:`SellerProfile` listing the two pattern fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            code = next((c for c, f in RANGE_FIELDS.items() if f == name), None)
            if code is None:
                continue
            self.initial[name] = pattern_requested(self.instance, code)
            field.help_text = self._pending_text(code)
            counter = COUNTER_FIELDS[code]
            fields[counter] = forms.IntegerField(
                label=COUNTER_LABELS[code],
                required=False,
                min_value=1,
                help_text=_("To continue the numbers of your previous system; can only be raised."),
            )
            self.initial[counter] = counter_next(self.instance, code, self.today)
        self.fields = fields

    def _pending_text(self, code: str) -> str:
        pending = pattern_pending(self.instance, code, self.today)
        if pending is None:
            return _(
                "Locked once a number was issued under it: a new pattern then applies from "
                "1 January of the next year."
            )
        pattern, since = pending
        return _("Numbers follow %(now)s until %(until)s, %(pattern)s from %(since)s.") % {
            "now": pattern_in_force(self.instance, code, self.today),
            "until": formats.date_format(since - timedelta(days=1), "SHORT_DATE_FORMAT"),
            "pattern": pattern,
            "since": formats.date_format(since, "SHORT_DATE_FORMAT"),
        }

    def clean_invoice_number_pattern(self):
        return self._clean_pattern(Invoice.Kind.INVOICE.value)

    def clean_credit_note_number_pattern(self):
        return self._clean_pattern(Invoice.Kind.CREDIT_NOTE.value)

    def _clean_pattern(self, code: str) -> str:
        """A valid pattern that cannot issue an existing number again (core/numbering.py)."""
        value = self.cleaned_data[RANGE_FIELDS[code]]
        numbers = Invoice.objects.exclude(number=None).values_list("number", flat=True)
        issued = numbers.iterator(chunk_size=2000)
        old = pattern_in_force(self.instance, code, self.today)
        try:
            pattern_change_check(range_code=code, old=old, new=value, issued=issued)
        except NumberPatternError as error:
            raise forms.ValidationError(str(error)) from None
        finally:
            issued.close()  # a server-side cursor (PostgreSQL) left open breaks the transaction
        return value

    def clean(self):
        """Invoices and cancellations share one number column: patterns in force at the
        same time must differ; counters only move up."""
        cleaned = super().clean()
        requested = {code: cleaned.get(field) for code, field in RANGE_FIELDS.items()}
        if all(requested.values()):
            try:
                patterns_plan_check(patterns_plan(self.instance, requested, self.today))
            except NumberPatternError as error:
                self.add_error(RANGE_FIELDS[Invoice.Kind.CREDIT_NOTE.value], str(error))
        for name in COUNTER_FIELDS.values():
            value, free = cleaned.get(name), self.initial[name]
            if value is not None and value < free:
                self.add_error(
                    name,
                    _(
                        "The counter can only be raised: numbers up to %(last)s were issued, "
                        "the next free value is %(next)s."
                    )
                    % {"last": free - 1, "next": free},
                )
        return cleaned

    def number_range_requests(self) -> dict[str, RangeRequest]:
        """What to hand to ``seller_number_ranges_update`` (after ``is_valid()``)."""
        return {
            code: RangeRequest(
                pattern=self.cleaned_data[field],
                next_value=(
                    self.cleaned_data[COUNTER_FIELDS[code]]
                    if COUNTER_FIELDS[code] in self.changed_data
                    else None
                ),
            )
            for code, field in RANGE_FIELDS.items()
        }

    def save(self, commit=True):
        """Save the other fields; the pattern columns stay as stored (see the module)."""
        stored = SellerProfile.objects.filter(pk=self.instance.pk).values(*RANGE_FIELDS.values())
        for name, value in (stored.first() or {}).items():
            setattr(self.instance, name, value)
        return super().save(commit)
