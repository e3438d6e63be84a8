"""Writes of the paiements app. Every function is one transaction and writes its
journal entry (``dossiers.services.journal_record``)."""

from .disputes import dispute_open, dispute_resolve
from .external import external_action_answer, external_action_open
from .payments import payment_receipt, payment_record
from .promises import promise_cancel, promise_create, promises_evaluate
from .status import dossier_status_sync

__all__ = [
    "dispute_open",
    "dispute_resolve",
    "dossier_status_sync",
    "external_action_answer",
    "external_action_open",
    "payment_receipt",
    "payment_record",
    "promise_cancel",
    "promise_create",
    "promises_evaluate",
]
