"""Where each import command's time goes, statement by statement (PostgreSQL).

    nice python bench/import/statements.py --pg-url postgres://postgres@127.0.0.1:5432/import_statements
    # --dossiers N (default 100000), --data DIR (default bench/import/data/paired)

On a fresh database, runs ``import_dossiers``, ``import_creances`` and
``import_contacts`` of the generated data in this process, with timers around:
every SQL statement sent through Django (grouped by its first words and table),
every ``COPY`` (by table), the wait for the parsing process's next batch, and the
COMMIT. Prints, per command, its wall time and the groups that took the most of
it; the rest is this process's own Python (validation of the batches it writes,
rules, journal building). A benchmark, not a test: no assertion on the figures.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import re
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def group_of(sql: str) -> str:
    words = re.sub(r"\s+", " ", sql.strip()).split(" ")
    head = " ".join(words[:2]).upper()
    tables = re.findall(r'"([a-z_]+_[a-z_]+)"', sql)
    return f"{head} {tables[0] if tables else ''}".strip()


def backend_cpu(connection) -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/bench_import_statements"
    )
    parser.add_argument("--data", type=Path, default=HERE / "data" / "paired")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument(
        "--floor", action="store_true", help="time the COPY floor (copyfloor.py) instead"
    )
    parser.add_argument(
        "--profile", default="", help="a command (import_contacts…) to run under cProfile too"
    )
    args = parser.parse_args()
    sys.path[:0] = [str(HERE), str(ROOT)]
    import generate
    from run import database_env

    args.data.mkdir(parents=True, exist_ok=True)
    stamp = args.data / f"generated-{args.dossiers}"
    if not stamp.exists():
        generate.write_dossiers(args.data / "dossiers.csv", args.dossiers)
        generate.write_receivables(args.data / "creances.csv", args.dossiers)
        generate.write_contacts(args.data / "contacts.csv", args.dossiers)
        stamp.touch()
    os.environ.update(database_env("postgres", args))
    os.environ["DJANGO_SETTINGS_MODULE"] = "recouvrement.settings"
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from recouvrement.importing import base, bulk, child

    call_command("migrate", verbosity=0)
    from worker import setup_users

    setup_users()

    if args.floor:
        import copyfloor

        server, cpu = backend_cpu(connection), time.process_time()
        result = copyfloor.run(args.data)
        server, cpu = backend_cpu(connection) - server, time.process_time() - cpu
        seconds = {k: round(v["seconds"], 2) for k, v in result.items() if isinstance(v, dict)}
        print(f"floor: {seconds}; CPU: {cpu:.2f} s this process, {server:.2f} s the backend")
        return

    times: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()

    def timer(sql_group, started):
        elapsed = time.perf_counter() - started
        times[sql_group] += elapsed
        counts[sql_group] += 1

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timer(group_of(sql), started)

    copy_objects = bulk._copy_objects

    def timed_copy(model, objects, fields, *, returning):
        started = time.perf_counter()
        try:
            return copy_objects(model, objects, fields, returning=returning)
        finally:
            timer(f"COPY {model._meta.db_table}", started)

    bulk._copy_objects = timed_copy

    parse = child.parse_in_child

    def timed_parse(*a, **k):
        iterator = parse(*a, **k)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                timer("(waiting for the parsing process)", started)
                return
            timer("(waiting for the parsing process)", started)
            yield item

    base.parse_in_child = timed_parse
    from django.db import connections

    wrapper_class = type(connections["default"])
    commit = wrapper_class._commit

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return commit(self)
        finally:
            timer("COMMIT", started)

    wrapper_class._commit = timed_commit

    for name, csv in (
        ("import_dossiers", "dossiers.csv"),
        ("import_creances", "creances.csv"),
        ("import_contacts", "contacts.csv"),
    ):
        times.clear()
        counts.clear()
        started = time.perf_counter()
        cpu = time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = backend_cpu(connection)
        profile = None
        if name == args.profile:
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        with connection.execute_wrapper(wrapper):
            call_command(
                name,
                str(args.data / csv),
                "--no-progress",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(35)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        server = backend_cpu(connection) - server
        print(
            f"\n{name}: {wall:.2f} s wall; CPU: {cpu:.2f} s this process, "
            f"{child_cpu:.2f} s the parsing process, {server:.2f} s the database's backend"
        )
        for group, seconds in times.most_common(args.top):
            print(f"  {seconds:7.2f} s  {counts[group]:6d}×  {group}")
        print(f"  {wall - sum(times.values()):7.2f} s  (the rest: this process's Python)")


if __name__ == "__main__":
    main()
