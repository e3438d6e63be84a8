"""The list's CPU against the page shell's, in one process (issue 15).

For each request, the CPU time of this process, median of --runs requests made in
turn: the page shell alone (a login-required view rendering ``base.html`` with
nothing in it, through the same middleware and context processors), the same
without the « À faire » count, and list requests. Run it from two checkouts in turn
(``--tree``) for a paired before / after: the shell is the control.

    .venv/bin/python bench/list/shell.py [--tree /tmp/base] [--runs 25]

Uses run.py's database (DATABASE_URL, else bench/out/list.sqlite3), filled first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = {
    "Tous les dossiers, page 1": "/dossiers/?vue=tous",
    "Mes dossiers": "/dossiers/?vue=mes",
    "Tous, page 200": "/dossiers/?vue=tous&page=200",
    "Filtre statut": "/dossiers/?vue=tous&statut=judiciaire",
    "Recherche nom": "/dossiers/?vue=tous&q=Morel 12345",
}


def shell_view(request):
    from django.shortcuts import render

    return render(request, "base.html", {"nav": "tous"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings")
    os.environ.setdefault("DJANGO_HTTPS", "0")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("SQLITE_PATH", str(ROOT / "bench" / "out" / "list.sqlite3"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.decorators import login_required
    from django.test import Client, override_settings
    from django.urls import path

    import relances.selectors
    from recouvrement.urls import urlpatterns

    module = type(sys)("list_shell_urls")
    module.urlpatterns = [path("bench/shell/", login_required(shell_view)), *urlpatterns]
    sys.modules["list_shell_urls"] = module
    count = relances.selectors.worklist_count
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench0"))
    requests = {"page shell": "/bench/shell/", "page shell without « À faire »": None}
    requests.update(REQUESTS)
    cpu: dict[str, list[float]] = {label: [] for label in requests}
    with override_settings(ROOT_URLCONF="list_shell_urls"):
        for url in requests.values():
            client.get(url or "/bench/shell/")
        for _ in range(args.runs):
            for label, url in requests.items():
                relances.selectors.worklist_count = count if url else (lambda **kwargs: 0)
                start = time.process_time()
                response = client.get(url or "/bench/shell/")
                cpu[label].append((time.process_time() - start) * 1000)
                assert response.status_code == 200, (label, response.status_code)
    print(f"{args.tree} — load average {os.getloadavg()[0]:.1f}")
    for label, values in cpu.items():
        print(f"  {label}: CPU median {statistics.median(values):.1f} ms")


if __name__ == "__main__":
    main()
