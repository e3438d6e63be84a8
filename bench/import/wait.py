"""How long agents' writes wait while a contact import runs (issue 15).

    nice python bench/import/wait.py --database postgres \\
        --pg-url postgres://postgres@127.0.0.1:5432/bench_imports_wait
    python bench/import/wait.py --database sqlite
    # --dossiers N (default 100000: 300,000 contact rows), --agents N (threads, default 4),
    # --files N (files the agents work on, default 200), --root DIR (the project checkout
    # whose code runs, both the import and the agents: compare two checkouts)

A fresh database is migrated, the files are imported (``import_dossiers``), and on
``--files`` of them, spread over the whole file, a person with two validated phones
is created through the contact services (as an agent would). Then
``import_contacts`` of the 300,000 generated contact rows (one person, three means
per file, a third of the phones validated and starred by the file) starts in its own
process, and ``--agents`` threads of this process, each with its own connection,
keep doing real service writes on those files, which the import touches too: moving
the phone star to the other phone (``contact_point_set_default``, which locks the
file row) and adding a note (``note_create``), one after the other with a 20 ms
pause. Each write's latency (the service call, its commit included) is recorded
from the import's start until it ends; the JSON line printed (and ``--out``) gives
p50 / p99 / max per kind of write, the import's own time, and the writes that
failed (``database is locked`` on SQLite when a write waited more than its 20 s
busy timeout).

It is a benchmark, not a test: no assertion on the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import database_env as fresh_database_env  # noqa: E402

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def database_env(args) -> dict:
    env = fresh_database_env(args.database, args, sqlite_name="wait.sqlite3")
    env["DJANGO_DEBUG"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "recouvrement.settings"
    return env


def manage(args, env, *command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(args.root / "manage.py"), *command],
        env=env,
        cwd=args.root,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def setup_agent_files(refs: list[str]):
    """A person with two validated phones on each of these files, through the services."""
    from django.contrib.auth import get_user_model

    from contacts import services
    from contacts.models import Contact, ContactPoint
    from dossiers.models import Dossier

    user, _created = get_user_model().objects.get_or_create(username="agent_bench")
    files = []
    for ref in refs:
        dossier = Dossier.objects.get(reference=ref)
        contact = services.contact_create(
            dossier=dossier, user=user, last_name="Agent", first_name="Banc"
        )
        contact = Contact.objects.get(pk=contact.pk)
        number = int(ref[-6:])
        points = []
        for prefix in ("06 12", "06 13"):
            point = services.contact_point_create(
                contact=contact,
                user=user,
                kind=ContactPoint.Kind.PHONE,
                phone=f"{prefix} {number // 10000 % 100:02d} {number // 100 % 100:02d} "
                f"{number % 100:02d}",
            )
            services.contact_point_validate(point=point, user=user)
            points.append(point.pk)
        files.append((dossier.pk, points))
    return user, files


def agent(index, user, files, stop: threading.Event, samples: list, errors: list) -> None:
    from django.db import connection

    from contacts import services
    from contacts.models import ContactPoint
    from dossiers.models import Dossier
    from dossiers.services import note_create

    rng = random.Random(index)
    try:
        while not stop.is_set():
            dossier_id, points = rng.choice(files)
            for kind in ("star", "note"):
                started = time.perf_counter()
                try:
                    if kind == "star":
                        current = ContactPoint.objects.filter(pk__in=points, is_default=False)
                        point = current.select_related("contact").first()
                        if point is not None:
                            services.contact_point_set_default(point=point, user=user)
                    else:
                        note_create(
                            dossier=Dossier(pk=dossier_id), text="Appel du débiteur.", user=user
                        )
                except Exception as exc:  # noqa: BLE001 - a benchmark reports, never stops
                    errors.append((kind, f"{type(exc).__name__}: {exc}"[:200]))
                else:
                    samples.append((started, kind, time.perf_counter() - started))
                time.sleep(0.02)
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/bench_imports_wait")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--data", type=Path, default=HERE / "data" / "wait")
    parser.add_argument("--root", type=Path, default=HERE.parent.parent)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.root = args.root.resolve()
    args.data.mkdir(parents=True, exist_ok=True)

    sys.path[:0] = [str(HERE)]
    import generate

    dossiers_csv, contacts_csv = generate.files_for(args.data, args.dossiers)

    env = database_env(args)
    manage(args, env, "migrate", "--no-input")
    os.environ.update(env)
    sys.path[:0] = [str(args.root)]
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    for name in generate.USERS:
        get_user_model().objects.get_or_create(username=name)
    manage(args, env, "import_dossiers", str(dossiers_csv), "--no-progress")
    step = max(1, args.dossiers // args.files)
    refs = [generate.reference(i) for i in range(step // 2, args.dossiers, step)][: args.files]
    user, files = setup_agent_files(refs)
    from django.db import connection

    connection.close()

    samples: list = []
    errors: list = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=agent, args=(i, user, files, stop, samples, errors))
        for i in range(args.agents)
    ]
    started = time.perf_counter()
    importer = subprocess.Popen(
        [
            sys.executable,
            str(args.root / "manage.py"),
            "import_contacts",
            str(contacts_csv),
            "--no-progress",
        ],
        env=env,
        cwd=args.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for thread in threads:
        thread.start()
    out, err = importer.communicate()
    ended = time.perf_counter()
    stop.set()
    for thread in threads:
        thread.join()
    during = [s for s in samples if started <= s[0] <= ended]
    result = {
        "database": args.database,
        "root": str(args.root),
        "rows": args.dossiers * 3,
        "agents": args.agents,
        "import_seconds": round(ended - started, 2),
        "import_rc": importer.returncode,
        "import_summary": out.strip().splitlines()[-2:] if out else err.strip()[-500:],
        "errors": len(errors),
        "error_samples": sorted({e[1] for e in errors})[:3],
    }
    for kind in ("star", "note", "all"):
        waits = [s[2] for s in during if kind in ("all", s[1])]
        result[kind] = {
            "n": len(waits),
            "p50": round(percentile(waits, 0.50), 3),
            "p99": round(percentile(waits, 0.99), 3),
            "max": round(max(waits, default=0.0), 3),
            # a thread blocked for the whole import makes one sample only: say how
            # many writes waited long, and for how long in all
            "over_2s": sum(1 for w in waits if w > 2),
            "seconds_over_2s": round(sum(w for w in waits if w > 2), 1),
        }
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
