"""Benchmark settings: the project's, plus django-import-export (only here)."""

from recouvrement.settings import *  # noqa: F403
from recouvrement.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "import_export"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
