"""The default rule held by the database itself, and under two agents clicking two
different stars of the same file at the same instant (SPEC §2)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactPoint
from dossiers.models import JournalEntry
from tests import factories


def rejected(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.django_db
def test_database_rejects_a_second_default_of_a_kind_across_contacts(dossier):
    first = factories.ContactPointFactory(
        contact=factories.ContactFactory(dossier=dossier), status="valid", is_default=True
    )
    second = factories.ContactPointFactory(
        contact=factories.ContactFactory(dossier=dossier), status="valid"
    )
    rejected(lambda: ContactPoint.objects.filter(pk=second.pk).update(is_default=True))
    assert list(ContactPoint.objects.filter(is_default=True)) == [first]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "invalid"])
def test_database_rejects_a_default_that_is_not_validated(dossier, status):
    point = factories.ContactPointFactory(
        contact=factories.ContactFactory(dossier=dossier), status="valid", is_default=True
    )
    rejected(lambda: ContactPoint.objects.filter(pk=point.pk).update(status=status))
    rejected(
        lambda: factories.ContactPointFactory(
            contact=point.contact, kind="email", status=status, is_default=True
        )
    )


@pytest.mark.django_db
def test_database_rejects_the_same_means_twice_for_a_contact(dossier):
    point = factories.ContactPointFactory(contact=factories.ContactFactory(dossier=dossier))
    rejected(
        lambda: factories.ContactPointFactory(
            contact=point.contact, phone=point.phone, value_key=point.value_key
        )
    )


def click_together(dossier, clicks) -> list[object]:
    """Post « Oui » for each (user, point) from its own thread, all released at once."""
    barrier = threading.Barrier(len(clicks))
    results: list[object] = [None] * len(clicks)

    def click(index, user, point):
        client = Client()
        client.force_login(user)
        url = reverse("contacts:point_default", args=[dossier.pk, point.pk])
        try:
            barrier.wait(timeout=10)
            results[index] = client.post(url).status_code
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=click, args=(index, user, point))
        for index, (user, point) in enumerate(clicks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_set_two_different_stars_at_the_same_instant(owner, colleague):
    """Each agent's request runs in its own thread with its own connection; both are
    released by a barrier. Whoever the lock lets through last wins: exactly one
    default, both agents get the file back (no error page), both changes journaled."""
    if not _on_postgresql():
        pytest.skip("concurrency is proven on PostgreSQL (DATABASE_URL=postgres://…)")
    rounds = 5
    for round_ in range(rounds):
        dossier = factories.DossierFactory(assigned_to=owner)
        now = timezone.now()
        current = factories.ContactPointFactory(
            contact=factories.ContactFactory(dossier=dossier),
            status="valid",
            is_default=True,
            validated_at=now,
        )
        candidates = [
            factories.ContactPointFactory(
                contact=factories.ContactFactory(dossier=dossier), status="valid", validated_at=now
            )
            for _ in range(2)
        ]
        results = click_together(dossier, [(owner, candidates[0]), (colleague, candidates[1])])
        assert results == [302, 302], f"round {round_}: {results}"
        defaults = list(ContactPoint.objects.filter(dossier=dossier, is_default=True))
        assert len(defaults) == 1, f"round {round_}"
        assert defaults[0].pk in {c.pk for c in candidates}
        current.refresh_from_db()
        assert not current.is_default
        assert JournalEntry.objects.filter(dossier=dossier, action="default_changed").count() == 2
