"""The benchmark file of bench/pages (issue 15), built in the configured database.

10 contacts × 3 means, 50 notes, 20 pieces, 30 receivables, and what the page now
also shows: three payments (one journal entry each), a running promise, the default
scenario's run. Plus 200 ordinary files for the list page. Prints one JSON line:
the file's id and the benchmark user's credentials.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

USERNAME, PASSWORD = "bench.pages", "bench-pages-2026!"


def build() -> dict:
    call_command("migrate", verbosity=0)
    from dossiers.services import dossier_refresh_totals
    from paiements.services.payments import payment_record
    from paiements.services.promises import promise_create
    from pieces.models import Piece
    from relances.models import Scenario
    from relances.services import scenario_change
    from tests import factories

    user = factories.manager(username=USERNAME, first_name="Claire", last_name="Bench")
    user.set_password(PASSWORD)
    user.save()
    today = timezone.localdate()
    dossier = factories.DossierFactory(reference="BENCH-0001", name="Bench SARL", assigned_to=user)
    for c in range(10):
        contact = factories.ContactFactory(dossier=dossier, observation=f"Observation {c}")
        factories.ContactPointFactory(
            contact=contact, kind="phone", status="valid", is_default=(c == 0)
        )
        factories.ContactPointFactory(contact=contact, kind="email", status="pending")
        factories.ContactPointFactory(contact=contact, kind="postal", status="invalid")
    for n in range(50):
        factories.NoteFactory(dossier=dossier, author=user, text=f"Note numéro {n}")
    for p in range(20):
        Piece.objects.create(
            dossier=dossier,
            original_name=f"piece-{p}.pdf",
            content_type="application/pdf",
            size=1000,
            file=f"pieces/bench/{p}",
            uploaded_by=user,
        )
    for r in range(30):
        factories.ReceivableFactory(
            dossier=dossier,
            number=f"F-{r:03d}",
            amount=Decimal("100.00"),
            balance=Decimal("100.00"),
            due_date=today - datetime.timedelta(days=r),
            issue_date=today - datetime.timedelta(days=r + 30),
        )
    dossier_refresh_totals(dossier_ids=[dossier.pk])
    for n in range(3):
        payment_record(
            dossier=dossier,
            date=today - datetime.timedelta(days=10 - n),
            amount=Decimal("75.00"),
            mode="virement",
            reference=f"BENCH-PAY-{n}",
            user=user,
        )
    dossier.refresh_from_db()
    promise_create(
        dossier=dossier,
        plan=[(today + datetime.timedelta(days=30 * (i + 1)), Decimal("200.00")) for i in range(3)],
        today=today,
        user=user,
    )
    scenario_change(dossier=dossier, scenario=Scenario.objects.get(is_default=True), user=user)
    for i in range(200):
        other = factories.DossierFactory(reference=f"BENCH-L{i:04d}", assigned_to=user)
        factories.ReceivableFactory(dossier=other, amount=Decimal(10 + i), balance=Decimal(10 + i))
    return {"dossier": dossier.pk, "username": USERNAME, "password": PASSWORD}


if __name__ == "__main__":
    print(json.dumps(build()))
