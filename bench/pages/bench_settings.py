"""Benchmark settings: the project's, with the bench's URLconf (the floor view).

Only bench/pages/run.py uses it; the product never imports this module.
"""

from recouvrement.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
# The access log would cost the workers CPU the pages do not.
LOGGING = {"version": 1, "disable_existing_loggers": False}
