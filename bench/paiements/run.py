"""Payments benchmark: import_paiements (rows/s, first run and idempotent re-run),
promises_evaluate, and the managers' dashboard at 100,000 files.

    .venv/bin/python bench/paiements/run.py --dossiers 100000 --payments 200000 \
        --databases sqlite,postgres --pg-url postgres://postgres@127.0.0.1:5432/rec_bench_paiements

For each database, in a fresh process and a fresh database: imports the files and
their receivables (3 per file) with our commands, generates the payments file
(reference, date, amount, mode, a named invoice on one row in four), times
import_paiements twice, adds promises (one file in five) and communications
(two per file), then times promises_evaluate and the dashboard (selector and page,
median of five). Prints one JSON line per database and a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT / "bench" / "import"), str(ROOT)]

import generate  # noqa: E402
from run import database_env  # noqa: E402  (bench/import/run.py)

MODES = ["virement", "cheque", "carte", "prelevement", "especes"]


def write_payments(path: Path, dossiers: int, count: int) -> int:
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["reference_dossier", "reference", "date", "montant", "mode", "numero"])
        for n in range(count):
            i = rng.randrange(dossiers)
            named = f"F{i:07d}-{rng.randrange(3)}" if n % 4 == 0 else ""
            day = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(330))
            out.writerow(
                [
                    generate.reference(i),
                    f"PAY-{n:08d}",
                    f"{day:%d/%m/%Y}",
                    generate.french_amount(rng.randint(1_000, 300_000)),
                    rng.choice(MODES),
                    named,
                ]
            )
    return count


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the import's parser): a
    figure the other processes of a shared machine do not inflate, unlike wall time."""
    import resource

    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker(data: Path) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "recouvrement.settings"
    import django

    django.setup()
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    for name in generate.USERS:
        user_model.objects.get_or_create(username=name)
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("import_dossiers", str(data / "dossiers.csv"), "--no-progress", **quiet)
    call_command("import_creances", str(data / "creances.csv"), "--no-progress", **quiet)
    result: dict = {"vendor": connection.vendor}
    with open(data / "paiements.csv", encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    for label in ("import", "reimport"):
        out = io.StringIO()
        started, cpu = time.perf_counter(), cpu_seconds()
        call_command("import_paiements", str(data / "paiements.csv"), "--no-progress", stdout=out)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        result[label] = {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "cpu_seconds": round(cpu, 2),
            "summary": out.getvalue().strip().splitlines()[0],
        }

    from contacts.models import Communication
    from dossiers.models import Dossier
    from paiements.dashboard import dashboard
    from paiements.models import Instalment, Promise
    from paiements.services import promises_evaluate

    today = timezone.localdate()
    ids = list(Dossier.objects.order_by("id").values_list("id", flat=True))
    promised = ids[::5]
    start = today - datetime.timedelta(days=40)
    Promise.objects.bulk_create(
        [Promise(dossier_id=d, start_date=start) for d in promised], batch_size=2000
    )
    promises = list(Promise.objects.values_list("id", flat=True))
    Instalment.objects.bulk_create(
        [
            Instalment(promise_id=p, due_date=start + datetime.timedelta(days=15 * k), amount=50)
            for p in promises
            for k in (1, 2, 3)
        ],
        batch_size=2000,
    )
    rng = random.Random(11)
    users = list(user_model.objects.values_list("id", flat=True))
    now = timezone.now()
    Communication.objects.bulk_create(
        [
            Communication(
                dossier_id=d,
                channel=channel,
                outcome="abouti" if channel == "call" else "",
                status="sent",
                sent_by_id=rng.choice(users) if rng.random() < 0.5 else None,
                created_at=now - datetime.timedelta(days=rng.randrange(60)),
            )
            for d in ids
            for channel in rng.sample(["call", "letter", "sms", "email"], 2)
        ],
        batch_size=2000,
    )
    started, cpu = time.perf_counter(), cpu_seconds()
    counts = promises_evaluate(today=today)
    result["promises_evaluate"] = {
        "promises": len(promises),
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(cpu_seconds() - cpu, 2),
        "counts": counts,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings, cpus = [], []
    for _ in range(5):
        started, cpu = time.perf_counter(), cpu_seconds()
        dashboard(today=today)
        timings.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
    result["dashboard_selector_ms"] = round(1000 * statistics.median(timings))
    # SQLite runs in this process: its CPU time is the query time; PostgreSQL's is not.
    result["dashboard_selector_cpu_ms"] = round(1000 * statistics.median(cpus))
    manager = user_model.objects.create_user("bench-manager", is_superuser=True)
    client = Client()
    client.force_login(manager)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/tableau-de-bord/", HTTP_HOST="localhost")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    result["dashboard_page_ms"] = round(1000 * statistics.median(timings))
    result["dashboard_queries"] = len(queries)
    result["files"] = len(ids)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/rec_bench_paiements"
    )
    parser.add_argument("--data", type=Path, default=ROOT / "var" / "bench-paiements")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.data), ensure_ascii=False))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    generate.write_dossiers(args.data / "dossiers.csv", args.dossiers)
    generate.write_receivables(args.data / "creances.csv", args.dossiers)
    write_payments(args.data / "paiements.csv", args.dossiers, args.payments)
    results = []
    for kind in args.databases.split(","):
        env = database_env(kind, args)  # a fresh database, as the import benchmark's
        env["DJANGO_DEBUG"] = "1"
        output = subprocess.run(
            [sys.executable, __file__, "--worker", "--data", str(args.data)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
        results.append(result)
    print("| | SQLite | PostgreSQL |")
    print("|---|---|---|")
    by = {r["vendor"]: r for r in results}
    rows = [
        (
            "import_paiements, rows/s",
            lambda r: (
                f"{r['import']['rows_per_s']:,} ({r['import']['seconds']} s, CPU {r['import']['cpu_seconds']} s)"
            ),
        ),
        (
            "re-import (all unchanged), rows/s",
            lambda r: (
                f"{r['reimport']['rows_per_s']:,} ({r['reimport']['seconds']} s, CPU {r['reimport']['cpu_seconds']} s)"
            ),
        ),
        (
            "promises_evaluate",
            lambda r: (
                f"{r['promises_evaluate']['promises']:,} promises in {r['promises_evaluate']['seconds']} s"
            ),
        ),
        (
            "dashboard selector (median of 5)",
            lambda r: (
                f"{r['dashboard_selector_ms']} ms (CPU here {r['dashboard_selector_cpu_ms']} ms)"
            ),
        ),
        (
            "dashboard page (median of 5)",
            lambda r: f"{r['dashboard_page_ms']} ms, {r['dashboard_queries']} queries",
        ),
    ]
    for label, fmt in rows:
        cells = [fmt(by[v]) if v in by else "—" for v in ("sqlite", "postgresql")]
        print(f"| {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
