"""How the list of files holds with a million files.

Fills a database with N files (each with one contact, a phone and an e-mail, and a
random outstanding amount), then times the list page through Django's test client
(the full view: session, permissions, filters, pagination, template) for the usual
requests an agent makes. Reports the median of several runs per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_list \
        .venv/bin/python bench/list/run.py --dossiers 1000000

Without DATABASE_URL it runs on a SQLite file under bench/out/.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    fill(args.dossiers)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
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
    print(f"\n{connection.vendor}, {n:,} dossiers — median of {args.runs} runs")
    print("| request | median ms | max ms |\n|---|---:|---:|")
    for label, url in requests.items():
        timings = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"| {label} | {statistics.median(timings):.0f} | {max(timings):.0f} |")


if __name__ == "__main__":
    main()
