"""Reminders around instalments at scale: the planner's pass over running promises.

Fills N files (bench/relances/run.py's ``fill``), gives each a running promise of three
monthly instalments whose first falls 0–29 days ahead (about 4 in 30 inside the
3-day window of the default scenario's « rappel avant échéance »), then times:
the first planning of the day (every file enters its scenario, its regular step held,
the reminders materialised) and the instalment pass alone on later rounds (nothing
new to plan: the steady state of `manage.py relances --every 300`), with query counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_relances_instalments \
        .venv/bin/python bench/relances/instalments.py --dossiers 20000
    .venv/bin/python bench/relances/instalments.py --dossiers 20000   # SQLite

Without DATABASE_URL it runs on a SQLite file under bench/out/.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402 - the settings and fill() of the reminders bench

if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(run.OUT / "relances-instalments.sqlite3")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dossiers.models import Dossier
    from paiements.models import Instalment, Promise
    from paiements.plans import add_months
    from relances.models import PlannedAction, PlannerLease, ScenarioRun
    from relances.planner import PlanReport, plan, plan_instalments
    from relances.planning import StepBook

    call_command("migrate", verbosity=0)
    run.fill(args.dossiers)
    PlannedAction.objects.all().delete()
    ScenarioRun.objects.all().delete()
    PlannerLease.objects.all().delete()
    Promise.objects.all().delete()
    today = timezone.localdate()
    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        promises = Promise.objects.bulk_create(
            [Promise(dossier_id=pk, start_date=today) for pk in ids], batch_size=5000
        )
        Instalment.objects.bulk_create(
            [
                Instalment(
                    promise=promise,
                    due_date=add_months(today + datetime.timedelta(days=n % 30), month),
                    amount=Decimal("400.00"),
                )
                for n, promise in enumerate(promises)
                for month in range(3)
            ],
            batch_size=5000,
        )
        Dossier.objects.update(status=Dossier.Status.PAYMENT)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = plan(enqueue=False)
    first = time.perf_counter() - t0
    print(
        f"\n{connection.vendor}: {args.dossiers:,} files with a running promise; first "
        f"planning {first:.1f} s, {len(queries)} queries: {report.enrolled:,} entered "
        f"their scenario, {report.instalment_planned:,} instalment reminders planned"
    )
    book = StepBook()
    times, counts = [], []
    for _ in range(args.rounds):
        report = PlanReport()
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            plan_instalments(book=book, now=timezone.now(), report=report)
        times.append(time.perf_counter() - t0)
        counts.append(len(queries))
        assert report.instalment_planned == 0, report
    print(
        f"instalment pass, steady state ({args.rounds} rounds): median "
        f"{statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max "
        f"{max(times) * 1000:.0f}), {counts[0]} queries"
    )


if __name__ == "__main__":
    main()
