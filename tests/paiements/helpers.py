"""Small builders for the paiements tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from tests import factories


def receivable(
    dossier, number: str, balance: str, *, due: datetime.date, amount: str | None = None
):
    return factories.ReceivableFactory(
        dossier=dossier,
        number=number,
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
        amount=Decimal(amount or balance),
        balance=Decimal(balance),
    )
