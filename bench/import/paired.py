"""Paired, alternating runs of the import benchmark's steps (each on a fresh database).

    # these commands against the COPY floor (PostgreSQL):
    nice python bench/import/paired.py --pairs 3 --vs floor
    # this checkout's commands against another checkout's (e.g. main), on SQLite:
    nice python bench/import/paired.py --pairs 3 --vs /work/main --database sqlite

Runs A, B, A, B… (``bench/import/worker.py … commands``, and B either the floor,
``… copy``, or the same step of the other checkout's worker), then prints, per kind
(files, receivables, contact rows) and in all, each pair's seconds and ratio B / A
… or A / B for the floor, the median of the ratios, and a JSON line with everything.
The data are generated once in ``--data`` (``bench/import/generate.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import database_env  # noqa: E402

KINDS = ("dossiers", "creances", "contacts")


def run_worker(worker: Path, step: str, args) -> dict:
    env = database_env(args.database, args)
    output = subprocess.run(
        [sys.executable, str(worker), args.database, step, str(args.data)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["all"] = {"seconds": sum(result[k]["seconds"] for k in KINDS)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--vs", default="floor", help="« floor » or another checkout's root")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/bench_imports_paired"
    )
    parser.add_argument("--data", type=Path, default=HERE / "data" / "paired")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    stamp = args.data / f"generated-{args.dossiers}"
    if not stamp.exists():
        generate.write_dossiers(args.data / "dossiers.csv", args.dossiers)
        generate.write_receivables(args.data / "creances.csv", args.dossiers)
        generate.write_contacts(args.data / "contacts.csv", args.dossiers)
        stamp.touch()
    ours = HERE / "worker.py"
    if args.vs == "floor":
        other, other_step = ours, "copy"
    else:
        other, other_step = Path(args.vs).resolve() / "bench" / "import" / "worker.py", "commands"
    pairs = []
    for index in range(args.pairs):
        a = run_worker(ours, "commands", args)
        b = run_worker(other, other_step, args)
        pair = {k: (a[k]["seconds"], b[k]["seconds"]) for k in (*KINDS, "all")}
        pairs.append(pair)
        print(
            f"pair {index + 1}: "
            + ", ".join(f"{k} {x:.2f} / {y:.2f}" for k, (x, y) in pair.items()),
            file=sys.stderr,
        )
    print(f"A = these commands, B = {args.vs}; seconds A / B per pair, then ratio")
    for kind in (*KINDS, "all"):
        ratios = [(a / b if args.vs == "floor" else b / a) for a, b in (p[kind] for p in pairs)]
        cells = "; ".join(f"{p[kind][0]:.2f} / {p[kind][1]:.2f}" for p in pairs)
        label = "A / B" if args.vs == "floor" else "B / A"
        print(
            f"{kind}: {cells} → {label} median {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}–{max(ratios):.2f})"
        )
    print(json.dumps({"vs": args.vs, "database": args.database, "pairs": pairs}))


if __name__ == "__main__":
    main()
