"""One benchmark step in a fresh process and a fresh database (see run.py).

    python bench/import/worker.py {sqlite,postgres} {commands,iex,copy,memory-setup,memory} DATA_DIR

Prints one JSON line with the timings.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(ROOT)]
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def setup_users() -> None:
    from django.contrib.auth import get_user_model
    from generate import USERS

    user_model = get_user_model()
    for name in USERS:
        user_model.objects.get_or_create(username=name)


def timed_command(name: str, path: Path) -> dict:
    out = io.StringIO()
    started = time.perf_counter()
    call_command(name, str(path), "--no-progress", stdout=out, stderr=io.StringIO())
    seconds = time.perf_counter() - started
    with open(path, encoding="utf-8") as f:
        lines = sum(1 for _ in f) - 1
    return {"rows": lines, "seconds": seconds, "summary": out.getvalue().strip()}


def step_commands(data: Path) -> dict:
    setup_users()
    return {
        "dossiers": timed_command("import_dossiers", data / "dossiers.csv"),
        "creances": timed_command("import_creances", data / "creances.csv"),
        "contacts": timed_command("import_contacts", data / "contacts.csv"),
    }


def step_iex(data: Path, sample: int) -> dict:
    import iex

    setup_users()
    return iex.run(data, sample)


def step_copy(data: Path) -> dict:
    import copyfloor

    setup_users()
    return copyfloor.run(data)


def step_memory_setup(data: Path) -> dict:
    setup_users()
    return {"dossiers": timed_command("import_dossiers", data / "memory-dossiers.csv")}


class MemorySampler:
    """Samples, every 0.1 s, the memory of this process and of its children (the
    parsing process): the sum of their PSS (proportional set size: a page shared by
    the two after the fork counts half in each, so the sum is the physical memory
    the import holds) and of their RSS (shared pages counted twice)."""

    def __init__(self) -> None:
        import threading

        self.peak_pss = self.peak_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _pids() -> list[int]:
        pid = os.getpid()
        pids = [pid]
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    pids.extend(int(c) for c in f.read().split())
            except OSError:
                continue
        return pids

    @staticmethod
    def _rollup(pid: int) -> tuple[float, float]:
        values = {}
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    name, _, rest = line.partition(":")
                    if name in ("Rss", "Pss"):
                        values[name] = int(rest.split()[0]) / 1024
        except OSError:
            pass
        return values.get("Pss", 0.0), values.get("Rss", 0.0)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            pss = rss = 0.0
            for pid in self._pids():
                p, r = self._rollup(pid)
                pss += p
                rss += r
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_rss = max(self.peak_rss, rss)


def step_memory(data: Path) -> dict:
    before = peak_mb()
    with MemorySampler() as sampler:
        result = timed_command("import_contacts", data / "memory-contacts.csv")
    result["peak_pss_total_mb"] = sampler.peak_pss
    result["peak_rss_total_mb"] = sampler.peak_rss
    result["peak_rss_mb"] = peak_mb()
    # The rows are parsed in a child process (recouvrement.importing.base.
    # parse_in_child): its peak counts too.
    result["child_peak_rss_mb"] = peak_mb(resource.RUSAGE_CHILDREN)
    result["rss_before_mb"] = before
    return result


if __name__ == "__main__":
    kind, step, data_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    sample = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if step not in ("memory",):
        call_command("migrate", verbosity=0)
    steps = {
        "commands": lambda: step_commands(data_dir),
        "iex": lambda: step_iex(data_dir, sample),
        "copy": lambda: step_copy(data_dir),
        "memory-setup": lambda: step_memory_setup(data_dir),
        "memory": lambda: step_memory(data_dir),
    }
    result = steps[step]()
    result["vendor"] = connection.vendor
    print(json.dumps(result))
