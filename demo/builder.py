"""Demonstration data, composed from the apps' seeders (``manage.py demo_data``).

This is a composition layer: it knows every app, no app knows it. Each app that
has demonstration data gives a *seeder*, a function ``(batch: DemoBatch) -> None``
that writes its share for the batch's files (``batch.dossiers``, filled by the
first seeder) in bulk, with ``batch.rng`` so that a seed always gives the same data.

Adding an app's demonstration data (reminder scenarios, payments…) is one line:
its seeder in ``SEEDERS``, after those whose rows it needs.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from contacts.demo import seed_contacts
from dossiers.demo import DemoBatch, DemoUsers, demo_users, seed_dossiers
from dossiers.models import Dossier
from paiements.demo import demo_payments
from relances.demo import demo_relances

SEEDERS: tuple[Callable[[DemoBatch], None], ...] = (
    seed_dossiers,  # files, receivables, notes, journal (first: the others need the files)
    seed_contacts,  # contacts, their means and evidence, the default rule
)

#: What runs once every batch is written, through the apps' services (a function
#: ``(*, users, stdout) -> Any``): the files enter their reminder scenario…
FINISHERS: tuple[Callable[..., object], ...] = (
    demo_payments,  # payments, promises, disputes on some files (paiements)
    demo_relances,  # the files enter their scenario; a few are due at once (relances)
)


class DemoBuilder:
    def __init__(self, *, seed: int = 2026):
        self.rng = random.Random(seed)
        self.state: dict = {}

    def build(self, *, count: int, users: DemoUsers, batch_size: int = 2000, progress=None) -> int:
        """``count`` files with everything the seeders give them, one transaction
        per batch of ``batch_size`` files. Returns the number of files created."""
        start = Dossier.objects.count()
        created = 0
        while created < count:
            size = min(batch_size, count - created)
            batch = DemoBatch(
                offset=start + created, size=size, users=users, rng=self.rng, state=self.state
            )
            with transaction.atomic():
                for seeder in SEEDERS:
                    seeder(batch)
            created += size
            if progress:
                progress(created)
        return created


__all__ = ["FINISHERS", "SEEDERS", "DemoBuilder", "demo_users"]
