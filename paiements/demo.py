"""Demonstration payments, promises, disputes and external actions, recorded through
the services (so that balances, statuses and the journal are those of real use).
Called by ``manage.py demo_data`` once the files exist."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from dossiers.models import Dossier

from .models import DisputeReason, Payment
from .plans import plan_build
from .services import (
    dispute_open,
    external_action_open,
    payment_record,
    promise_create,
    promises_evaluate,
)

CENT = Decimal("0.01")


def _part(amount: Decimal, share: float) -> Decimal:
    return max(CENT, (amount * Decimal(str(share))).quantize(CENT))


def demo_payments(*, users, stdout=None) -> int:
    """The demo data's payment stories (a finisher of ``demo.builder.FINISHERS``)."""
    return demo_seed(users=users)


def demo_seed(*, users, files: int = 60, seed: int = 2026) -> int:
    """Give ``files`` files with something due a payment story each; returns how
    many files were given one."""
    rng = random.Random(seed)
    today = timezone.localdate()
    days = datetime.timedelta
    agents = list(users.agents)
    reasons = list(DisputeReason.objects.filter(active=True))
    dossiers = list(
        Dossier.objects.filter(outstanding__gt=0, status=Dossier.Status.IN_PROGRESS)
        .exclude(pk__in=Payment.objects.values("dossier_id"))
        .order_by("reference")[:files]
    )
    modes = [m for m, _label in Payment.Mode.choices]
    for index, dossier in enumerate(dossiers):
        agent = dossier.assigned_to or rng.choice(agents)
        story = index % 6
        unpaid = list(dossier.receivables.filter(balance__gt=0).order_by("due_date", "number"))
        if story == 0:
            payment_record(
                dossier=dossier,
                date=today - days(rng.randint(2, 80)),
                amount=_part(dossier.outstanding, rng.choice([0.25, 0.4, 0.6])),
                mode=rng.choice(modes),
                reference=f"DEMO-{dossier.reference}-1",
                user=agent,
            )
        elif story == 1:  # a plan of two, both paid on time: kept
            start = today - days(70)
            total = _part(dossier.outstanding, 0.4)
            plan = plan_build(total=total, count=2, first=start + days(10), period="mensuel")
            # History told after the fact: the payments first, then the promise they
            # kept (recorded the other way round, the first payment's evaluation,
            # run today, would find the second instalment missed).
            for number, (due, amount) in enumerate(plan, start=1):
                payment_record(
                    dossier=dossier,
                    date=due - days(1),
                    amount=amount,
                    mode="virement",
                    reference=f"DEMO-{dossier.reference}-{number}",
                    user=agent,
                )
            dossier.refresh_from_db()
            promise_create(dossier=dossier, plan=plan, today=start, user=agent)
        elif story == 2:  # promised for a day that passed without payment: broken
            start = today - days(rng.randint(30, 200))
            promise_create(
                dossier=dossier,
                plan=[(start + days(15), _part(dossier.outstanding, 0.5))],
                today=start,
                user=agent,
            )
        elif story == 3:  # a plan running now
            plan = plan_build(
                total=dossier.outstanding,
                count=3,
                first=today + days(rng.randint(0, 10)),
                period="mensuel",
            )
            promise_create(
                dossier=dossier, plan=plan, today=today, user=agent, comment="Accord par téléphone."
            )
        elif story == 4 and reasons and unpaid:
            dispute_open(
                dossier=dossier,
                receivables=unpaid[:1],
                reason=rng.choice(reasons),
                follow_up_date=today + days(rng.randint(0, 7)),
                comment="Le client conteste la facture ; pièces demandées.",
                user=agent,
            )
        elif story == 5:
            lawyer = index % 12 == 5
            external_action_open(
                dossier=dossier,
                recipient="avocat" if lawyer else "comptabilite",
                request="Préparer la mise en demeure."
                if lawyer
                else "Vérifier un virement annoncé par le client.",
                deadline=today + days(rng.randint(0, 10)),
                receivables=unpaid[:1],
                user=agent,
            )
    promises_evaluate(today=today)
    return len(dossiers)
