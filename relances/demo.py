"""Demo data for reminders: the demo files enter the default scenario through the real
planner; the first reminders are then spread over two weeks so that a dozen go out
within minutes of `bash .ci/serve` instead of all at once."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from .models import PlannedAction
from .planner import plan

DUE_NOW = 12


def demo_relances(*, users=None, stdout=None, seed: int = 2026) -> int:
    """Plan the demo files (nothing is sent here); returns how many are due now."""
    now = timezone.now()
    report = plan(now=now, enqueue=False)
    rng = random.Random(seed)
    actions = list(
        PlannedAction.objects.filter(state=PlannedAction.State.PLANNED, due_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    later = actions[DUE_NOW:]
    with transaction.atomic():
        for pk in later:
            offset = datetime.timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
            PlannedAction.objects.filter(pk=pk).update(due_at=now + offset)
    due_now = len(actions) - len(later)
    if stdout is not None:
        stdout.write(
            f"Relances : {report.enrolled} dossiers en scénario, {due_now} relance(s) à "
            "envoyer dans les minutes qui viennent, les autres étalées sur deux semaines."
        )
    return due_now
