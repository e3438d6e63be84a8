"""Background work (django-tasks): the sends a planning run put on the queue.

Any backend works (database by default, RQ behind a setting): the exactly-once rule
lives in the PlannedAction claim, not in the queue, so a task delivered twice or run
by two workers at once sends each action once.
"""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def actions_send(action_ids: list[int]) -> dict:
    """Send a chunk of due actions; returns how many went out and how many were held."""
    from .sending import action_send

    sent = skipped = 0
    for action_id in action_ids:
        try:
            action = action_send(action_id=action_id)
        except Exception:
            # One bad action must not keep the others of the chunk from going out;
            # it stays « en cours d'envoi » and the planner's recovery surfaces it.
            logger.exception("Relance: action %s failed unexpectedly", action_id)
            skipped += 1
            continue
        if action is not None and action.state == action.State.SENT:
            sent += 1
        else:
            skipped += 1
    return {"sent": sent, "skipped": skipped}
