"""Before / after, side by side: ``run.py`` of two checkouts in turn on the same
database (before, after, before, after…), one process per round and side, and the
figures of each round next to each other.

    .venv/bin/python bench/list/ab.py --before /tmp/base --rounds 2 -- --dossiers 100000
    DATABASE_URL=postgres://… .venv/bin/python bench/list/ab.py --before /tmp/base \\
        -- --dossiers 1000000

``--before`` is a checkout of the older code (``git archive COMMIT | tar -x -C DIR``);
``--after`` this one by default. Both use this checkout's Python and its SQLite file
(bench/out/list.sqlite3) unless SQLITE_PATH says otherwise. A first pass of the
« after » side measures nothing: it only brings the database to the state every
round then finds (filled, analysed, vacuumed on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(tree: Path, args: list[str]) -> dict[str, list[str]]:
    env = dict(os.environ)
    env.setdefault("SQLITE_PATH", str(ROOT / "bench" / "out" / "list.sqlite3"))
    command = [sys.executable, str(tree / "bench" / "list" / "run.py"), *args]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[1][:1].isdigit():
            rows[cells[0]] = cells[1:]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("args", nargs="*", help="run.py's own arguments, after --")
    options = parser.parse_args()
    run(options.after, [*options.args, "--runs", "1", "--only", "(none)"])
    results: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
    for _ in range(options.rounds):
        for side, tree in (("before", options.before), ("after", options.after)):
            load = os.getloadavg()[0]
            for label, cells in run(tree, options.args).items():
                results[label][side].append(cells)
            print(f"  {side} done (load average before it: {load:.1f})", flush=True)
    print(
        "\n| request | before median | before p95 | before CPU "
        "| after median | after p95 | after CPU |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, sides in results.items():
        cells = []
        for side in ("before", "after"):
            rounds = sides[side]
            for column in (0, 1, 3):  # median, p95, CPU
                cells.append(" / ".join(r[column] for r in rounds))
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
