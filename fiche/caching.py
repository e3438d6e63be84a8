"""The client file's content, rendered once per version (issue 15).

The page's panels (header, contact block, actions, scenario, receivables, payments,
the visible tab) are read and rendered only when what they show has changed. The
key of the rendered content holds everything it depends on:

- the file's version and the global version, moved by the database's triggers on
  every write of what the page shows (``fiche.versioning``), read with the file
  (one statement, the page's first read);
- a digest of the file's row as read for this request (its totals, status, next
  action, agent: the imports rewrite them without any trigger);
- the user (their rights decide the buttons), the tab, the query string (folding,
  pages), the « contacts invalides » choice kept in the session, today's date (what
  is overdue, the scenario's next step), the language.

What the content holds of the request alone — the CSRF token of its forms — is
rendered as a placeholder and put in afterwards (``recouvrement.csrf``), so that the
cached HTML never carries a token. Nothing else in the content comes from the request.

The cache is the ``fiche`` alias (settings: local memory, per process, bounded:
``FICHE_CACHE_ENTRIES``, 500 by default, about 10 KB each; or Redis, shared by every
worker, with ``FICHE_CACHE_URL``). The key also holds a digest of the code that
renders (``code_digest``): a cache that outlives the processes (Redis) never serves
a page rendered by the previous release's templates.
A refused form's page (its text and errors) and htmx requests are never cached.
"""

from __future__ import annotations

import functools
import hashlib
import os
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
            fiche_global=RawSQL(  # noqa: S611
                versioning.version_sql(vendor, str(versioning.GLOBAL)), ()
            ),
        )
    )


#: The file, its agent and both versions: the page's access check and its key's read.
dossier_with_versions = prepared(_dossier_with_versions)

_ROW_FIELDS = tuple(f.attname for f in Dossier._meta.concrete_fields)


class CachedContent:
    """The page's content for one request: served from the cache, or built by
    ``build`` (the panels' context) and rendered by the template's ``{% file_cache %}``."""

    def __init__(self, request, dossier: Dossier, tab: str, build):
        self.build = build
        self.cache = caches[CACHE_ALIAS]
        parts = [
            str(dossier.pk),
            str(getattr(dossier, "fiche_version", None)),
            str(getattr(dossier, "fiche_global", None)),
            repr(tuple(getattr(dossier, name) for name in _ROW_FIELDS)),
            str(request.user.pk),
            tab,
            repr(sorted(request.GET.lists())),
            str(bool(request.session.get(SHOW_INVALID_SESSION_KEY, False))),
            timezone.localdate().isoformat(),
            translation.get_language() or "",
        ]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        self.key = f"fiche:{code_digest()}:{dossier.pk}:{digest}"

    # Kept compressed: 80 KB of HTML for the benchmark file, 9 KB stored; inflating it
    # costs under 0.1 ms.
    def get(self) -> str | None:
        stored = self.cache.get(self.key)
        return None if stored is None else zlib.decompress(stored).decode()

    def set(self, html: str) -> None:
        self.cache.set(self.key, zlib.compress(html.encode(), 1))
