"""What the SQLite search index's triggers cost an import (issue 15).

    .venv/bin/python bench/list/fts_cost.py --rows 20000 --triggers on
    .venv/bin/python bench/list/fts_cost.py --rows 20000 --triggers off

Each run copies a migrated SQLite database, drops the index and its triggers for
``off``, then imports N files with ``import_dossiers`` and imports them again with
new names (an update of every name), and prints both times. Run the two in turn
(A B A B …) and compare medians: the machine's drift then cancels out.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings")
os.environ.pop("DATABASE_URL", None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--triggers", choices=["on", "off"], required=True)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    template = OUT / "fts_template.sqlite3"
    work = OUT / f"fts_{args.triggers}.sqlite3"
    os.environ["SQLITE_PATH"] = str(template if not template.exists() else work)
    if template.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copy(template, work)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dossiers import search_index

    if not template.exists():
        call_command("migrate", verbosity=0)
        connection.close()
        return print("template made; run again")
    if args.triggers == "off":
        search_index.uninstall(connection)
    times = []
    for label in ("Société Martin", "Cabinet Durand"):
        path = OUT / f"fts_{args.rows}_{label[:3]}.csv"
        if not path.exists():
            rows = "".join(f"F-{i:07d};{label} {i};professionnel;;;\r\n" for i in range(args.rows))
            path.write_text("reference;nom;type;siren;charge;statut\r\n" + rows, "utf-8")
        start = time.perf_counter()
        call_command("import_dossiers", str(path), "--no-progress", stdout=io.StringIO())
        times.append(time.perf_counter() - start)
    print(f"triggers={args.triggers} rows={args.rows} create={times[0]:.3f} update={times[1]:.3f}")


if __name__ == "__main__":
    main()
