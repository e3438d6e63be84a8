"""In-process CPU per request of one page (no server, no network): the quick loop
used while looking for levers. ``python bench/pages/profile_page.py URL [N]``.

Signs in with the benchmark user (build.py), warms up, then prints the median of
the CPU time (time.process_time) of N requests, and the response size.
PAGES_SAVE_EVERY_REQUEST=1 saves the session on every request (as before issue 15),
PAGES_NO_GZIP=1 asks for no compression; PROFILE=tottime prints a cProfile.
PAGES_MISS=1 gives every request a query string of its own (``?m=<i>``, like
miss.lua for wrk): the client file's cached content (fiche/caching.py, keyed on the
query string) is then rendered each time, what its first view after a write costs.
PAGES_AFTER_NOTE=1 adds a note to the page's file (``/dossiers/<id>/``) through the
service before each request, outside the timing: the view after an agent's note,
which has only the tabs rendered again (the panels served from the cache).
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
import django  # noqa: E402

django.setup()
from build import USERNAME  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
if os.environ.get("PAGES_SAVE_EVERY_REQUEST"):  # the session lever, turned off
    settings.SESSION_SAVE_EVERY_REQUEST = True


def main() -> None:
    url = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    gzip = not os.environ.get("PAGES_NO_GZIP")  # the compression lever, turned off
    client = Client(headers={"accept-encoding": "gzip"} if gzip else {})
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=USERNAME))
    requests = itertools.count()
    if os.environ.get("PAGES_MISS"):  # a query string of its own: the content rendered
        separator = "&" if "?" in url else "?"

        def next_url() -> str:
            return f"{url}{separator}m={next(requests)}"
    else:

        def next_url() -> str:
            return url

    write = None
    if os.environ.get("PAGES_AFTER_NOTE"):
        from dossiers import services
        from dossiers.models import Dossier

        dossier = Dossier.objects.get(pk=int(url.strip("/").split("/")[1]))
        author = get_user_model().objects.get(username=USERNAME)

        def write() -> None:
            services.note_create(dossier=dossier, text="Rappel (benchmark)", user=author)

    for _ in range(5):
        response = client.get(next_url())
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(n):
        page = next_url()
        if write is not None:
            write()
        start = time.process_time()
        response = client.get(page)
        times.append(time.process_time() - start)
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        cProfile.runctx(
            "for _ in range(20): client.get(next_url())",
            globals(),
            locals(),
            "/tmp/pages.prof",
        )
        pstats.Stats("/tmp/pages.prof").sort_stats(os.environ["PROFILE"]).print_stats(35)
    print(
        f"{url}: median {statistics.median(times) * 1000:.1f} ms CPU, "
        f"{len(response.content)} bytes ({response.get('Content-Encoding', 'identity')})"
    )


if __name__ == "__main__":
    main()
