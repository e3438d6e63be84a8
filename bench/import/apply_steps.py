"""Where a contact import spends its time, and how long it holds the files' locks.

    nice python bench/import/apply_steps.py --pg-url postgres://postgres@127.0.0.1:5432/imports3_steps
    # --dossiers N (default 100000: 300,000 contact rows), --runs N (default 2)

A migrated database with the files imported (``import_dossiers``) is made once as a
template; each run copies it (``CREATE DATABASE … TEMPLATE``) and runs
``import_contacts`` of the generated contact rows in a child process whose steps are
wrapped by timers: the staging (``write_batch``), the end-of-file rules, the
foreign-key checks, the lock, the stars, finding the files agents changed, the
rules' writes and the COMMIT. ``window`` is what an agent may wait at most: from the
moment the first file is locked to the end of the COMMIT. One JSON line per run.
A copy of this file in another checkout times that checkout's code.

It is a benchmark, not a test: no assertion on the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

#: (module, attribute[, class attribute]) wrapped by a timer in the child
STEPS = (
    ("contacts.importers.contact_writes", "ContactWrites", "write_batch"),
    ("contacts.importers.common", "ContactRulesMixin", "rules_run"),
    ("contacts.importers.contact_writes", "check_constraints"),
    ("recouvrement.importing.base", "check_constraints"),
    ("contacts.importers.contact_writes", "lock_dossiers"),
    ("contacts.importers.contact_apply", "lock_dossiers"),
    ("contacts.importers.contact_apply", "lock_files"),
    ("contacts.importers.contact_writes", "ContactWrites", "_give_stars"),
    ("contacts.importers.contact_apply", "give_stars"),
    ("contacts.importers.contact_writes", "files_changed_after"),
    ("contacts.importers.contact_writes", "files_changed_since"),
    ("contacts.importers.contact_apply", "files_changed"),
    ("contacts.importers.contact_writes", "plan_apply"),
    ("contacts.importers.contact_apply", "plan_apply"),
    ("contacts.importers.contact_writes", "ContactWrites", "finish"),
    ("contacts.importers.contact_apply", "ContactApply", "finish"),
    ("contacts.importers.contact_apply", "check_constraints"),
    ("django.db.backends.base.base", "BaseDatabaseWrapper", "commit"),
)


def child(csv: str) -> None:
    import importlib
    import io

    sys.path[:0] = [str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "recouvrement.settings"
    import django

    django.setup()
    from django.core.management import call_command

    spans: dict[str, list[tuple[float, float]]] = {}

    def wrap(owner, name, label, static):
        original = owner.__dict__[name] if static else getattr(owner, name)
        function = original.__func__ if isinstance(original, staticmethod) else original

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spans.setdefault(label, []).append((started, time.perf_counter()))

        setattr(owner, name, staticmethod(timed) if isinstance(original, staticmethod) else timed)

    for module_name, *path in STEPS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner = module
        for part in path[:-1]:
            owner = getattr(owner, part, None)
        if owner is None or not (
            path[-1] in owner.__dict__ if len(path) > 1 else hasattr(owner, path[-1])
        ):
            continue
        label = ".".join(path) if len(path) > 1 else f"{module_name.rsplit('.', 1)[-1]}.{path[0]}"
        wrap(owner, path[-1], label, static=len(path) > 1)

    started = time.perf_counter()
    out = io.StringIO()
    call_command("import_contacts", csv, "--no-progress", stdout=out, stderr=io.StringIO())
    ended = time.perf_counter()
    result = {"seconds": round(ended - started, 2), "summary": out.getvalue().strip()[-300:]}
    steps = {}
    for label, pairs in spans.items():
        steps[label] = {"n": len(pairs), "s": round(sum(b - a for a, b in pairs), 3)}
    result["steps"] = steps
    locks = [a for label, pairs in spans.items() if "lock" in label for a, _b in pairs]
    finish = spans.get("ContactWrites.finish") or spans.get("ContactApply.finish")
    commit = spans.get("BaseDatabaseWrapper.commit")
    if locks and finish and commit:
        # from the first lock to the end of the COMMIT
        result["window"] = round(commit[-1][1] - min(locks), 3)
        result["finish_to_commit"] = round(commit[-1][0] - finish[-1][1], 3)
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/imports3_steps")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--data", type=Path, default=HERE / "data" / "wait")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    sys.path[:0] = [str(HERE)]
    import generate
    import psycopg

    args.data.mkdir(parents=True, exist_ok=True)
    dossiers_csv, contacts_csv = generate.files_for(args.data, args.dossiers)
    base, name = args.pg_url.rsplit("/", 1)
    template = f"{name}_template"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="recouvrement.settings", DJANGO_DEBUG="1")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
        conn.execute(f'CREATE DATABASE "{template}"')
    env["DATABASE_URL"] = f"{base}/{template}"

    def manage(*command):
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    manage("migrate", "--no-input")
    users = "; ".join(
        f"get_user_model().objects.get_or_create(username={u!r})" for u in generate.USERS
    )
    manage("shell", "-c", f"from django.contrib.auth import get_user_model; {users}")
    manage("import_dossiers", str(dossiers_csv), "--no-progress")
    for _run in range(args.runs):
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        run_env = dict(env, DATABASE_URL=args.pg_url)
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(contacts_csv)],
            env=run_env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        line = output.strip().splitlines()[-1]
        result = json.loads(line)
        result["load"] = os.getloadavg()[0]
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
