"""The allocation rule (*lettrage*), shared by the hand-entry service and the import.

Pure: it takes the file's unpaid invoices (oldest first) and moves their balances.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")


def allocate(
    *,
    amount: Decimal,
    receivables: list[Any],
    invoice_number: str = "",
    held_ids: set[int] | frozenset[int] = frozenset(),
) -> tuple[list[tuple[Any, Decimal]], Decimal]:
    """Apply ``amount`` to the named invoice first, then to the oldest unpaid ones.

    ``receivables`` are the file's invoices with something left due, ordered by due
    date (oldest first); invoices in an open dispute (``held_ids``) are skipped by
    the oldest-first pass, as they are contested, but a payment naming one is
    applied to it. Balances are lowered in place. Returns the ``(receivable,
    amount)`` parts and what is left over (a credit on the file).
    """
    rest = amount
    parts: list[tuple[Any, Decimal]] = []
    named = [r for r in receivables if invoice_number and r.number == invoice_number]
    others = [r for r in receivables if r not in named and r.pk not in held_ids]
    for receivable in named + others:
        if rest <= ZERO:
            break
        if receivable.balance <= ZERO:
            continue
        part = min(rest, receivable.balance)
        receivable.balance -= part
        rest -= part
        parts.append((receivable, part))
    return parts, rest
