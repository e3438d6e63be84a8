"""Reminders at scale: files planned per second, and sends per second to a local SMTP
sink (aiosmtpd), on SQLite or PostgreSQL.

Fills N files « en cours » (one unpaid invoice due 40 days ago, a contact with a valid
default e-mail), runs the day's planning (all N enter the default scenario and get
their first step, an e-mail due now), then sends S of those e-mails through the real
path (claim, default means, contacts.messaging.services.email_send over SMTP, piece,
journal, next step) with W worker processes (`manage.py db_worker`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_relances \
        .venv/bin/python bench/relances/run.py --dossiers 100000 --sends 2000 --workers 2

Without DATABASE_URL it runs on a SQLite file under bench/out/.
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["RELANCES_AUTO_SEND"] = "1"
os.environ["RELANCES_DEMO_ALWAYS_OPEN"] = "1"  # the bench runs at any hour
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("RECOUVREMENT_VAR_DIR", str(OUT / "relances-var"))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SQLITE_PATH", str(OUT / "relances.sqlite3"))


class Sink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fill(count: int, batch: int = 10000) -> None:
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from contacts.models import Contact, ContactPoint
    from dossiers.models import Dossier, Receivable
    from dossiers.services import dossier_refresh_totals
    from tests.factories import agent

    agents = [agent(username=f"relbench{i}") for i in range(10)]
    due = timezone.localdate() - datetime.timedelta(days=40)
    existing = Dossier.objects.count()
    start = time.monotonic()
    for offset in range(existing, count, batch):
        size = min(batch, count - offset)
        with transaction.atomic():
            dossiers = Dossier.objects.bulk_create(
                [
                    Dossier(
                        reference=f"R-{offset + i:07d}",
                        name=f"Société {offset + i}",
                        assigned_to=agents[(offset + i) % len(agents)],
                        status="en_cours",
                    )
                    for i in range(size)
                ]
            )
            Receivable.objects.bulk_create(
                [
                    Receivable(
                        dossier=d,
                        number="F1",
                        issue_date=due - datetime.timedelta(days=30),
                        due_date=due,
                        amount=Decimal("1234.56"),
                        balance=Decimal("1234.56"),
                    )
                    for d in dossiers
                ]
            )
            contacts = Contact.objects.bulk_create(
                [Contact(dossier=d, last_name="Compta", external_key="C1") for d in dossiers]
            )
            ContactPoint.objects.bulk_create(
                [
                    ContactPoint(
                        contact=c,
                        dossier_id=c.dossier_id,
                        kind="email",
                        email=f"compta{c.dossier_id}@example.fr",
                        value_key=f"compta{c.dossier_id}@example.fr",
                        status="valid",
                        is_default=True,
                        validated_at=timezone.now(),
                    )
                    for c in contacts
                ],
                batch_size=5000,
            )
            dossier_refresh_totals(dossier_ids=[d.pk for d in dossiers])
        done = offset + size
        print(
            f"  {done}/{count} dossiers ({(done - existing) / (time.monotonic() - start):,.0f}/s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relances.models import PlannedAction, PlannerLease, ScenarioRun

    call_command("migrate", verbosity=0)
    fill(args.dossiers)
    # A fresh day of planning each run of the bench.
    PlannedAction.objects.all().delete()
    ScenarioRun.objects.all().delete()
    PlannerLease.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    from relances.planner import plan

    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = plan(enqueue=False)
    planning = time.perf_counter() - t0
    print(
        f"\n{connection.vendor}: planned {report.planned:,} files in {planning:.1f} s "
        f"({report.planned / planning:,.0f} files/s), {report.batches} batches, "
        f"{len(queries)} queries ({len(queries) / max(report.batches, 1):.1f} per batch)"
    )

    # Sends: S due actions enqueued, W real worker processes, an SMTP sink.
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    ids = list(PlannedAction.objects.order_by("pk").values_list("pk", flat=True)[: args.sends])
    PlannedAction.objects.exclude(pk__in=ids).update(
        due_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    )
    from relances.tasks import actions_send

    for start in range(0, len(ids), 50):
        actions_send.enqueue(action_ids=ids[start : start + 50])
    env = {
        **os.environ,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    t0 = time.perf_counter()
    workers = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "db_worker",
                "--batch",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.wait()
    sending = time.perf_counter() - t0
    controller.stop()
    sent = PlannedAction.objects.filter(state="envoyee").count()
    print(
        f"{connection.vendor}: {sent:,} e-mails sent by {args.workers} worker(s) in {sending:.1f} s "
        f"({sent / sending:,.1f} sends/s); the SMTP sink received {sink.count:,}"
    )


if __name__ == "__main__":
    main()
