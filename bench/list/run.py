"""How the list of files holds with a million files.

Fills a database with N files (each with one contact, a phone and an e-mail, and a
random outstanding amount), then times the list page through Django's test client
(the full view: session, permissions, filters, pagination, template) for the usual
requests an agent makes. Reports the median, the p95 and the max of 20 runs per
request (after one warm-up), and the median CPU time of this process (on SQLite,
the whole request; on PostgreSQL, without the server's share).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_list \
        .venv/bin/python bench/list/run.py --dossiers 1000000

Without DATABASE_URL it runs on a SQLite file under bench/out/. On PostgreSQL the
files are made by set-based statements (a million in ~10 min on the shared
machine), on SQLite by bulk_create. --without-nav-count measures the list alone,
without the navigation's « À faire » count (relances), which every page shows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_DEBUG", "1")  # plain static storage: no collectstatic needed
if not os.environ.get("DATABASE_URL"):
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SQLITE_PATH", str(ROOT / "bench" / "out" / "list.sqlite3"))


def fill(count: int, batch: int = 20000) -> None:
    from contacts.models import Contact, ContactPoint
    from dossiers.models import Dossier
    from tests.factories import agent

    rng = random.Random(1)
    agents = [agent(username=f"bench{i}") for i in range(20)]
    existing = Dossier.objects.count()
    start = time.monotonic()
    for offset in range(existing, count, batch):
        size = min(batch, count - offset)
        dossiers = Dossier.objects.bulk_create(
            [
                Dossier(
                    reference=f"B-{offset + i:07d}",
                    name=f"Société {rng.choice(['Martin', 'Durand', 'Petit', 'Roux', 'Morel'])} {offset + i}",
                    assigned_to=rng.choice(agents),
                    status=rng.choice(["en_cours", "paiement", "judiciaire", "inactif"]),
                    outstanding=rng.randint(0, 5_000_000) / 100,
                )
                for i in range(size)
            ]
        )
        contacts = Contact.objects.bulk_create(
            [Contact(dossier=d, last_name="Contact", external_key="C1") for d in dossiers]
        )
        points = []
        for contact in contacts:
            number = f"+336{contact.dossier_id:08d}"
            points.append(
                ContactPoint(
                    contact=contact,
                    dossier_id=contact.dossier_id,
                    kind="phone",
                    phone=number,
                    phone_type="mobile",
                    value_key=number,
                )
            )
            email = f"compta{contact.dossier_id}@example.fr"
            points.append(
                ContactPoint(
                    contact=contact,
                    dossier_id=contact.dossier_id,
                    kind="email",
                    email=email,
                    value_key=email,
                )
            )
        ContactPoint.objects.bulk_create(points, batch_size=5000)
        done = offset + size
        rate = (done - existing) / (time.monotonic() - start)
        print(f"  {done}/{count} dossiers ({rate:,.0f}/s)", flush=True)


def _insert_select(model, exprs: dict[str, str], source: str, params=()) -> int:
    """``INSERT INTO model (every column) SELECT …``: the columns named in ``exprs``
    from SQL, every other one its model default (a parameter)."""
    from django.db import connection

    columns, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in exprs:
            values.append(exprs[field.column])
        else:
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])
        return cursor.rowcount


def fill_postgresql(count: int) -> None:
    """The same shape of data as ``fill`` with set-based statements (a million files
    in a couple of minutes instead of twenty): the statuses, agents and amounts are
    spread by arithmetic on the row number instead of a random generator."""
    from contacts.models import Contact, ContactPoint
    from dossiers.models import Dossier
    from tests.factories import agent

    agents = [agent(username=f"bench{i}").pk for i in range(20)]
    existing = Dossier.objects.count()
    if existing >= count:
        return
    start = time.monotonic()
    last_id = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    names = "(ARRAY['Martin','Durand','Petit','Roux','Morel'])[1 + (i * 7) %% 5]"
    statuses = "(ARRAY['en_cours','paiement','judiciaire','inactif'])[1 + (i * 13) %% 4]"
    _insert_select(
        Dossier,
        {
            "reference": "'B-' || lpad(i::text, 7, '0')",
            "name": f"'Société ' || {names} || ' ' || i",
            "assigned_to_id": f"(ARRAY{agents})[1 + (i * 11) %% 20]",
            "status": statuses,
            "outstanding": "((i::bigint * 2654435761) %% 500000001) / 100.0",
            "created_at": "now()",
            "updated_at": "now()",
        },
        "FROM generate_series(%s, %s) AS i",
        [existing, count - 1],
    )
    new_files = f"FROM dossiers_dossier d WHERE d.id > {int(last_id)}"
    _insert_select(
        Contact,
        {
            "dossier_id": "d.id",
            "last_name": "'Contact'",
            "external_key": "'C1'",
            "created_at": "now()",
        },
        new_files,
    )
    new_contacts = f"FROM contacts_contact c WHERE c.dossier_id > {int(last_id)}"
    phone = "'+336' || lpad(c.dossier_id::text, 8, '0')"
    _insert_select(
        ContactPoint,
        {
            "contact_id": "c.id",
            "dossier_id": "c.dossier_id",
            "kind": "'phone'",
            "phone": phone,
            "phone_type": "'mobile'",
            "value_key": phone,
            "created_at": "now()",
        },
        new_contacts,
    )
    email = "'compta' || c.dossier_id || '@example.fr'"
    _insert_select(
        ContactPoint,
        {
            "contact_id": "c.id",
            "dossier_id": "c.dossier_id",
            "kind": "'email'",
            "email": email,
            "value_key": email,
            "created_at": "now()",
        },
        new_contacts,
    )
    print(f"  {count - existing} dossiers in {time.monotonic() - start:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--without-nav-count",
        action="store_true",
        help="replace the navigation's « À faire » count (relances) by 0: the list alone",
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="PostgreSQL: measure the tables as loaded (no VACUUM: every page not all-visible)",
    )
    parser.add_argument("--only", help="measure only the requests whose label holds this")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    if args.without_nav_count:
        import relances.selectors

        relances.selectors.worklist_count = lambda **kwargs: 0
    if connection.vendor == "postgresql":
        fill_postgresql(args.dossiers)
    else:
        fill(args.dossiers)
    try:  # what demo_data and the imports do after writing (issue 15)
        from recouvrement.planner import refresh_planner_statistics
    except ImportError:  # the code before it: ANALYZE on PostgreSQL only, as before
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        refresh_planner_statistics()
    if connection.vendor == "postgresql" and not args.no_vacuum:
        # What autovacuum (on by default) does after a bulk load: mark the pages
        # all-visible, so that index-only scans need not visit the table. This
        # server runs with autovacuum off; a table already vacuumed costs little.
        with connection.cursor() as cursor:
            for table in ("dossiers_dossier", "contacts_contact", "contacts_contactpoint"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bench0")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    n = args.dossiers
    digits = f"{n // 2:08d}"
    phone = "06 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    requests = {
        "Mes dossiers (tri encours)": "/dossiers/?vue=mes",
        "Tous les dossiers, page 1": "/dossiers/?vue=tous",
        "Tous, page 200": "/dossiers/?vue=tous&page=200",
        "Top encours": "/dossiers/?vue=top",
        "Tri par ancienneté": "/dossiers/?vue=tous&tri=anciennete",
        "Filtre statut": "/dossiers/?vue=tous&statut=judiciaire",
        "Recherche téléphone « 06 12 34 56 78 »": "/dossiers/?"
        + urlencode({"vue": "tous", "q": phone}),
        "Recherche e-mail": f"/dossiers/?vue=tous&q=compta{n // 3}@example.fr",
        "Recherche référence": f"/dossiers/?vue=tous&q=B-{n // 4:07d}",
        "Recherche nom (sous-chaîne)": "/dossiers/?vue=tous&q=Morel 12345",
    }
    extra = ", without the « À faire » count" if args.without_nav_count else ""
    print(f"\n{connection.vendor}, {n:,} dossiers — {args.runs} runs after one warm-up{extra}")
    print("| request | median ms | p95 ms | max ms | CPU ms (this process) |")
    print("|---|---:|---:|---:|---:|")
    for label, url in requests.items():
        if args.only and args.only not in label:
            continue
        timings, cpu = [], []
        client.get(url)  # warm-up: the first request of a kind pays the caches
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            # A search naming one file (its phone, its e-mail) opens it: a redirect.
            assert response.status_code in (200, 302), (url, response.status_code)
        p95 = statistics.quantiles(timings, n=20, method="inclusive")[18]
        print(
            f"| {label} | {statistics.median(timings):.0f} | {p95:.0f} | {max(timings):.0f} "
            f"| {statistics.median(cpu):.0f} |"
        )


if __name__ == "__main__":
    main()
