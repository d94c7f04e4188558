"""One-off items (Einmalposten): charges for the customer's next invoice.

The model lives in the billing app (billing runs put the items on invoices); adding and
removing them is done here, next to the contracts they may belong to.

Items are money: the automatic billing run issues and mails them without a second look. So
adding or deleting one needs the item permissions (Billing, Admin), and an item that credits
the customer (negative price) or whose net exceeds ``settings.ITEM_APPROVAL_LIMIT`` needs
``contracts.approve_large_item`` as well. Both are checked here, not only in the view, so
every caller (web, import, API) meets them; ``actor=None`` is the operator on the command
line, who is trusted like the other management commands.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from hostkontor.billing.models import InvoiceLine, OneOffItem
from hostkontor.core.audit import audit_record, diff_fields
from hostkontor.core.errors import FieldErrors
from hostkontor.customers.models import Customer

from .models import Contract
from .services import MONEY_MAX, decimal_error

ITEM_FIELDS = [
    "description",
    "service_date",
    "quantity",
    "unit_price",
    "tax_rate",
    "kind",
    "contract",
]


APPROVE_PERMISSION = "contracts.approve_large_item"


def approval_limit() -> Decimal:
    """The net amount above which an item needs approval (``HOSTKONTOR_ITEM_APPROVAL_LIMIT``)."""
    try:
        limit = Decimal(str(settings.ITEM_APPROVAL_LIMIT))
    except InvalidOperation:
        limit = Decimal("NaN")
    if not limit.is_finite() or limit < 0:
        raise ImproperlyConfigured(
            f"HOSTKONTOR_ITEM_APPROVAL_LIMIT={settings.ITEM_APPROVAL_LIMIT!r} is not an amount"
        )
    return limit


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(_("You may not add or delete one-off items."))


def _approval_error(actor, *, quantity: Decimal, unit_price: Decimal) -> str | None:
    """Why the item needs approval the actor does not have, or None."""
    if actor is None or actor.has_perm(APPROVE_PERMISSION):
        return None
    if unit_price < 0:
        return _("Negative items (credits) need the approval permission of Billing.")
    limit = approval_limit()
    if quantity * unit_price > limit:
        return _("Items above %(limit)s EUR net need the approval permission of Billing.") % {
            "limit": number_format(limit, 2, use_l10n=True, force_grouping=True)
        }
    return None


def _snapshot(item: OneOffItem) -> dict:
    return {
        "description": item.description,
        "service_date": item.service_date,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "tax_rate": item.tax_rate,
        "kind": item.kind,
        "contract": item.contract.reference if item.contract_id else "",
    }


@transaction.atomic
def one_off_item_add(
    *,
    actor,
    customer: Customer,
    description: str,
    service_date: date,
    quantity: Decimal,
    unit_price: Decimal,
    tax_rate: Decimal,
    contract: Contract | None = None,
    kind: str = "service",
) -> OneOffItem:
    _require(actor, "billing.add_oneoffitem")
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("is required")
    if service_date is None:
        errors["service_date"] = _("is required")
    message = decimal_error(
        quantity, places=3, maximum=Decimal("999999999.999"), minimum=Decimal("0")
    )
    if message:
        errors["quantity"] = message
    elif quantity == 0:
        errors["quantity"] = _("must be greater than 0")
    # Negative unit prices are allowed: a discount or a credit on the next invoice.
    message = decimal_error(unit_price, places=2, maximum=MONEY_MAX, minimum=-MONEY_MAX)
    if message:
        errors["unit_price"] = message
    message = decimal_error(tax_rate, places=2, maximum=Decimal("100"), minimum=Decimal("0"))
    if message:
        errors["tax_rate"] = message
    if not errors:
        message = _approval_error(actor, quantity=quantity, unit_price=unit_price)
        if message:
            errors["unit_price"] = message
    if contract is not None and contract.customer_id != customer.pk:
        errors["contract"] = _("the contract belongs to another customer")
    if kind not in ("service", "goods"):
        errors["kind"] = _("must be service or goods")
    if errors:
        raise FieldErrors(errors)
    item = OneOffItem.objects.create(
        kind=kind,
        customer=customer,
        contract=contract,
        description=description,
        service_date=service_date,
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="one_off_item.created",
        obj=item,
        customer_id=customer.pk,
        changes=diff_fields({}, _snapshot(item)),
    )
    return item


@transaction.atomic
def one_off_item_delete(*, actor, item: OneOffItem) -> None:
    """Delete an item no invoice line refers to (billed items stay, for the record)."""
    _require(actor, "billing.delete_oneoffitem")
    item = (
        OneOffItem.objects.select_for_update(of=("self",))
        .select_related("contract")
        .get(pk=item.pk)
    )
    lines = list(
        InvoiceLine.objects.filter(one_off_item=item).values_list("bills", "invoice__number")
    )
    if any(bills for bills, _number in lines):
        raise FieldErrors({"item": _("It is billed already and cannot be deleted.")})
    if lines:
        raise FieldErrors({"item": _("It was on a cancelled invoice and stays for the record.")})
    audit_record(
        actor=actor,
        action="one_off_item.deleted",
        obj=item,
        customer_id=item.customer_id,
        changes=diff_fields(_snapshot(item), {}),
    )
    item.delete()
