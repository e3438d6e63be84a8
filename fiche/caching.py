"""The client file's content, rendered once per version (issue 15).

The page's panels (header, contact block, actions, scenario, receivables, payments,
the visible tab) are read and rendered only when what they show has changed. The
content is kept in two parts, each under its own key: the panels, and the tabs
(their labels' counts and the visible tab: ``{% file_tabs %}``, put into the panels'
HTML where it stands); a note or a piece moves only the tabs' version, and the
panels are served as they were. Each key holds everything its part depends on:

- the file's version of that part (the panels' or the tabs', ``fiche.versioning``)
  and the global version, moved by the database's triggers on every write of what
  the page shows, read with the file (one statement, the page's first read);
- a digest of the file's row as read for this request (its totals, status, next
  action, agent: the imports rewrite them without any trigger);
- the user (their rights decide the buttons), the tab, the query string (folding,
  pages), the « contacts invalides » choice kept in the session, today's date (what
  is overdue, the scenario's next step), the language.

What the content holds of the request alone — the CSRF token of its forms — is
rendered as a placeholder and put in afterwards (``recouvrement.csrf``), so that the
cached HTML never carries a token. Nothing else in the content comes from the request.

The cache is the ``fiche`` alias (settings: local memory, per process, bounded:
``FICHE_CACHE_ENTRIES``, 1,000 parts by default, two a page; or Redis, shared by every
worker, with ``FICHE_CACHE_URL``). The key also holds a digest of the code that
renders (``code_digest``): a cache that outlives the processes (Redis) never serves
a page rendered by the previous release's templates.
A refused form's page (its text and errors) and htmx requests are never cached.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time
import zlib
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connections, router
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation

from contacts.selectors import SHOW_INVALID_SESSION_KEY
from dossiers.models import Dossier
from recouvrement.prepared import prepared

from . import versioning

CACHE_ALIAS = "fiche"
logger = logging.getLogger(__name__)

#: Per database alias: whether its triggers are this code's, and until when that holds
#: (for ever once they are; a minute when not, so that a ``migrate`` is seen soon).
_triggers_checked: dict[str, tuple[bool, float]] = {}
RECHECK_SECONDS = 60.0


def usable() -> bool:
    """Whether the cache may serve pages: only under the triggers this code makes
    (``versioning.is_current``). A release whose ``migrate`` has not run has every page
    rendered, never served stale, and says so in the log."""
    alias = router.db_for_read(Dossier)
    current, until = _triggers_checked.get(alias, (False, 0.0))
    if time.monotonic() < until:
        return current
    current = versioning.is_current(connections[alias])
    _triggers_checked[alias] = (
        current,
        float("inf") if current else time.monotonic() + RECHECK_SECONDS,
    )
    if not current:
        logger.warning(
            "The client file's cache is off: the database's version triggers are not this "
            "release's. Run « manage.py migrate »."
        )
    return current


#: What renders the content: the templates, the code, the translations, and the
#: static files' manifest (the content's links name hashed files).
_CODE_SUFFIXES = (".py", ".html", ".mo")
_NOT_CODE = {"tests", "bench", "docs", "var", "media", "staticfiles", "node_modules"}


@functools.cache
def code_digest() -> str:
    """A digest of the files that render the page, read once per process: the same
    for every worker of a release, another one after any change of them."""
    import django

    # Django's own templates (forms' widgets) change with its version.
    digest = hashlib.sha256(django.get_version().encode())
    base = str(settings.BASE_DIR)
    for folder, subfolders, files in os.walk(base):
        subfolders[:] = sorted(
            d for d in subfolders if d not in _NOT_CODE and not d.startswith(".")
        )
        for name in sorted(files):
            if name.endswith(_CODE_SUFFIXES):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    digest.update(os.path.relpath(path, base).encode() + b"\0" + f.read())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def _dossier_with_versions(pk):
    vendor = connections[router.db_for_read(Dossier)].vendor
    table = Dossier._meta.db_table
    return (
        Dossier.objects.select_related("assigned_to")
        .filter(pk=pk)
        # SQL of the constants' names only (fiche.versioning), no value from outside.
        .annotate(
            fiche_version=RawSQL(  # noqa: S611
                versioning.version_sql(vendor, f'"{table}"."id"'), ()
            ),
            fiche_tabs=RawSQL(  # noqa: S611
                versioning.version_sql(vendor, versioning.tabs_id_sql(f'"{table}"."id"')), ()
            ),
            fiche_global=RawSQL(  # noqa: S611
                versioning.version_sql(vendor, str(versioning.GLOBAL)), ()
            ),
        )
    )


#: The file, its agent and both versions: the page's access check and its key's read.
dossier_with_versions = prepared(_dossier_with_versions)

_ROW_FIELDS = tuple(f.attname for f in Dossier._meta.concrete_fields)


#: Where the tabs go in the panels' HTML. Every text of the page is escaped, so no
#: data can write this comment.
TABS_MARK = "<!-- fiche:tabs -->"


class CachedContent:
    """The page's content for one request: each part served from the cache, or built
    by its function (``panels``, ``tabs``: the context) and rendered by the template's
    ``{% file_cache %}`` and ``{% file_tabs %}``."""

    def __init__(self, request, dossier: Dossier, tab: str, *, panels, tabs):
        self.build_panels, self.build_tabs = panels, tabs
        self.cache = caches[CACHE_ALIAS]
        common = [
            str(dossier.pk),
            str(getattr(dossier, "fiche_global", None)),
            repr(tuple(getattr(dossier, name) for name in _ROW_FIELDS)),
            str(request.user.pk),
            str(bool(request.session.get(SHOW_INVALID_SESSION_KEY, False))),
            timezone.localdate().isoformat(),
            translation.get_language() or "",
        ]
        query = sorted(request.GET.lists())
        # The panels do not show the tab: one entry serves every tab.
        panels_query = [item for item in query if item[0] != "onglet"]
        self.panels_key = self._key(
            dossier, "panels", getattr(dossier, "fiche_version", None), panels_query, common
        )
        self.tabs_key = self._key(
            dossier, f"tabs:{tab}", getattr(dossier, "fiche_tabs", None), query, common
        )

    @staticmethod
    def _key(dossier, part: str, version, query, common) -> str:
        parts = [part, str(version), repr(query), *common]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return f"fiche:{code_digest()}:{dossier.pk}:{digest}"

    # Kept compressed: 80 KB of HTML for the benchmark file, 9 KB stored; inflating it
    # costs under 0.1 ms.
    def get(self, key: str) -> str | None:
        stored = self.cache.get(key)
        return None if stored is None else zlib.decompress(stored).decode()

    def set(self, key: str, html: str) -> None:
        self.cache.set(key, zlib.compress(html.encode(), 1))
