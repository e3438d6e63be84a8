"""The order of a contact's means in the block (the design's): phones, then e-mails,
then postal addresses; within a kind the default first, then valid, pending and
invalid means; the latest validated first, then the oldest created. Sorted in Python
since issue 15 (contacts.selectors.contact_point_order), no longer by SQL."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from contacts.selectors import contact_block
from tests import factories

pytestmark = pytest.mark.django_db


def test_means_come_in_the_designs_order(dossier):
    contact = factories.ContactFactory(dossier=dossier)
    now = timezone.now()

    def point(label, kind, status, validated_days_ago=None, created_days_ago=0, **kw):
        p = factories.ContactPointFactory(
            contact=contact,
            kind=kind,
            status=status,
            validated_at=None
            if validated_days_ago is None
            else now - datetime.timedelta(days=validated_days_ago),
            created_at=now - datetime.timedelta(days=created_days_ago),
            **kw,
        )
        return label, p.pk

    made = [
        point("postal valid", "postal", "valid", validated_days_ago=1),
        point("email pending", "email", "pending"),
        point("phone invalid", "phone", "invalid"),
        point("phone pending, newer", "phone", "pending", created_days_ago=1),
        point("phone pending, older", "phone", "pending", created_days_ago=5),
        point("phone valid, validated long ago", "phone", "valid", validated_days_ago=30),
        point("phone valid, validated lately", "phone", "valid", validated_days_ago=2),
        point("phone default", "phone", "valid", validated_days_ago=60, is_default=True),
        point("email valid", "email", "valid", validated_days_ago=3),
    ]
    labels = {pk: label for label, pk in made}
    (shown,) = contact_block(dossier=dossier, show_invalid=True)
    assert [labels[p.pk] for p in shown.visible_points] == [
        "phone default",
        "phone valid, validated lately",
        "phone valid, validated long ago",
        "phone pending, older",
        "phone pending, newer",
        "phone invalid",
        "email valid",
        "email pending",
        "postal valid",
    ]
    (hidden,) = contact_block(dossier=dossier, show_invalid=False)
    assert "phone invalid" not in [labels[p.pk] for p in hidden.visible_points]
    assert hidden.hidden_invalid == 1
