"""Import benchmark: our commands vs django-import-export (bulk mode) vs the COPY floor.

    .venv/bin/python bench/import/run.py --dossiers 100000

Generates the files (100,000 dossiers, 300,000 receivables, 300,000 contact rows),
then, for each database (SQLite, PostgreSQL), runs each method in its own process
on a fresh database, and finally measures the peak memory of import_contacts on
1,000,000 contact rows. Prints a Markdown report (and writes it with --report).
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
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

PYTHON = sys.executable


def database_env(kind: str, args, sqlite_name: str = "bench.sqlite3") -> dict:
    """The environment of a fresh database: the SQLite file removed, or the PostgreSQL
    database dropped and created again."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if kind == "sqlite":
        path = args.data / sqlite_name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["SQLITE_PATH"] = str(path)
    else:
        import psycopg

        base, name = args.pg_url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.pg_url
    return env


def worker(kind: str, step: str, args, *extra: str, fresh: bool = True) -> dict:
    env = database_env(kind, args) if fresh else args.last_env
    args.last_env = env
    output = subprocess.run(
        [PYTHON, str(HERE / "worker.py"), kind, step, str(args.data), *extra],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    return result


def rate(part: dict) -> float:
    return part["rows"] / part["seconds"] if part["seconds"] else 0.0


def total_rate(result: dict) -> float:
    kinds = ("dossiers", "creances", "contacts")
    return sum(result[k]["rows"] for k in kinds) / sum(result[k]["seconds"] for k in kinds)


def fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument(
        "--iex-sample",
        type=int,
        default=10_000,
        help="files (×3 receivables, ×3 contact rows) given to django-import-export",
    )
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/h6bench")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    args.data.mkdir(exist_ok=True)

    started = time.perf_counter()
    counts = {
        "dossiers": generate.write_dossiers(args.data / "dossiers.csv", args.dossiers),
        "creances": generate.write_receivables(args.data / "creances.csv", args.dossiers),
        "contacts": generate.write_contacts(args.data / "contacts.csv", args.dossiers),
    }
    print(f"Generated {counts} in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    lines = [
        f"Data: {counts['dossiers']} files, {counts['creances']} receivables, "
        f"{counts['contacts']} contact rows; django-import-export on {args.iex_sample} files "
        f"(+{args.iex_sample * 3} receivables, +{args.iex_sample * 3} contact rows).",
        "",
        "| Database | Method | Files rows/s | Receivables rows/s | Contacts rows/s | All rows/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    ratios = []
    for kind in args.databases.split(","):
        results = {}
        print(f"[{kind}] commands…", file=sys.stderr)
        results["commands"] = worker(kind, "commands", args)
        print(f"[{kind}] django-import-export…", file=sys.stderr)
        results["django-import-export"] = worker(kind, "iex", args, str(args.iex_sample))
        if kind == "postgres":
            print(f"[{kind}] COPY floor…", file=sys.stderr)
            results["COPY + INSERT…SELECT"] = worker(kind, "copy", args)
        for method, result in results.items():
            lines.append(
                f"| {kind} | {method} | {fmt(rate(result['dossiers']))} | "
                f"{fmt(rate(result['creances']))} | {fmt(rate(result['contacts']))} | "
                f"{fmt(total_rate(result))} |"
            )
        ours = total_rate(results["commands"])
        iex = total_rate(results["django-import-export"])
        ratios.append(
            f"- {kind}: commands / django-import-export = {ours / iex:.1f}× (target ≥ 10×)"
        )
        for part in ("dossiers", "creances", "contacts"):
            ratios.append(
                f"  - {part}: {rate(results['commands'][part]) / rate(results['django-import-export'][part]):.1f}×"
            )
        if "COPY + INSERT…SELECT" in results:
            copy = results["COPY + INSERT…SELECT"]
            floor = total_rate(copy)
            ratios.append(f"- {kind}: COPY floor / commands = {floor / ours:.1f}× (target ≤ 5×)")
            for part in ("dossiers", "creances", "contacts"):
                ratios.append(
                    f"  - {part}: {rate(copy[part]) / rate(results['commands'][part]):.1f}×"
                )
            parts = ("dossiers", "creances", "contacts")
            uncommitted = sum(copy[p]["rows"] for p in parts) / sum(
                copy[p]["before_commit"] for p in parts
            )
            ratios.append(
                f"- {kind}: the floor with its COMMIT left out of its time (as timed before "
                f"session 2): {fmt(uncommitted)} rows/s, {uncommitted / ours:.1f}× the commands"
            )
        ratios.append(
            f"  - summaries: {json.dumps({k: v['summary'] for k, v in results['commands'].items() if isinstance(v, dict) and 'summary' in v}, ensure_ascii=False)}"
        )
    lines += ["", "Ratios:", *ratios]

    if args.memory_rows:
        files = -(-args.memory_rows // 3)
        generate.write_dossiers(args.data / "memory-dossiers.csv", files)
        rows = generate.write_contacts(args.data / "memory-contacts.csv", files)
        print(f"[sqlite] memory on {rows} contact rows…", file=sys.stderr)
        worker("sqlite", "memory-setup", args)
        memory = worker("sqlite", "memory", args, fresh=False)
        lines += [
            "",
            f"Memory: import_contacts on {rows} contact rows (SQLite): peak "
            f"{memory['peak_pss_total_mb']:.0f} MB for the two processes together (PSS, "
            f"sampled every 0.1 s; RSS summed: {memory['peak_rss_total_mb']:.0f} MB, pages "
            f"shared since the fork counted twice); peak RSS of the writing process "
            f"{memory['peak_rss_mb']:.0f} MB (after Django setup: "
            f"{memory['rss_before_mb']:.0f} MB), of the parsing process "
            f"{memory['child_peak_rss_mb']:.0f} MB; {fmt(rate(memory))} rows/s; "
            "target < 200 MB.",
        ]
    report = "\n".join(lines)
    print(report)
    if args.report:
        args.report.write_text(report + "\n")


if __name__ == "__main__":
    main()
