"""The audit trail is append-only in the database (triggers of migration core 0002).

Raw SQL goes past every Python guard; only the update Django makes when a user is deleted
(``actor_id`` → NULL, the name stays) is let through.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from hostkontor.customers.models import Customer
from hostkontor.testing.factories import make_customer

from .audit import audit_record
from .models import AuditEvent

pytestmark = pytest.mark.django_db

MESSAGE = "audit trail is append-only"


def sql_refusal(sql: str, params: list) -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        return str(error).splitlines()[0]
    return ""


@pytest.fixture
def event():
    user = get_user_model().objects.create_user("kahl", password="x")
    return audit_record(actor=user, action="customer.updated", obj=make_customer())


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "customer.viewed"), ("actor_name", "jemand"), ("changes", "{}"), ("at", None)],
)
def test_an_audit_event_cannot_be_rewritten(event, column, value):
    value = value or "2000-01-01 00:00:00"
    sql = f"UPDATE core_auditevent SET {column} = %s WHERE id = %s"  # noqa: S608 (test columns)
    error = sql_refusal(sql, [value, event.pk])
    assert error == MESSAGE
    assert AuditEvent.objects.get(pk=event.pk).action == "customer.updated"


def test_an_audit_event_cannot_be_deleted(event):
    assert sql_refusal("DELETE FROM core_auditevent WHERE id = %s", [event.pk]) == MESSAGE
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_clearing_the_actor_together_with_another_column_is_refused(event):
    error = sql_refusal(
        "UPDATE core_auditevent SET actor_id = NULL, actor_name = '' WHERE id = %s", [event.pk]
    )
    assert error == MESSAGE
    assert (
        sql_refusal(
            "UPDATE core_auditevent SET actor_id = %s WHERE id = %s", [event.actor_id, event.pk]
        )
        == MESSAGE
    )


def test_deleting_a_user_keeps_the_history_with_the_name(event):
    # when the user who acted is deleted
    get_user_model().objects.get(username="kahl").delete()
    # then the event stays, without the link but with who it was
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_name, stored.action) == (None, "kahl", "customer.updated")


def test_deleting_the_object_keeps_its_history(event):
    Customer.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
