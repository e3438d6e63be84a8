"""One import at a time (the database-specific part: an advisory lock on
PostgreSQL, a file lock on SQLite)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from .reader import SourceError

#: the key of the PostgreSQL advisory lock that serialises imports
IMPORT_LOCK_KEY = 0x52_45_43_49_4D_50  # "RECIMP"


def _busy() -> SourceError:
    return SourceError(
        _(
            "Une importation est déjà en cours : attendez qu'elle se termine, puis "
            "relancez celle-ci (rien n'a été importé)."
        )
    )


def sqlite_lock_path(name) -> Path:
    """The lock file of one SQLite database: named after its absolute path, so two
    names of one file share it; an in-memory database lives in one process only, so
    its lock is that process's (two test runs at once used to share the lock of
    « file:memorydb_default?mode=memory », and one refused the other's imports)."""
    name = str(name)
    if name == ":memory:" or "mode=memory" in name:
        key = f"{name}#pid{os.getpid()}"
    else:
        key = os.path.realpath(name)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"recouvrement-import-{digest}.lock"


@contextlib.contextmanager
def import_lock():
    """One import at a time: two imports of the same rows at once made the second
    wait, then die with a raw IntegrityError. Refused at once instead, with a
    sentence. Taken before the import's transaction opens (SQLite's BEGIN IMMEDIATE
    would wait for the other import first). PostgreSQL: a session advisory lock,
    released at the end or when the session ends (a killed command). SQLite: an
    exclusive ``flock`` on a file named after the database (SQLite serves one
    machine), released when the import ends or its process dies."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise _busy()
        try:
            yield
        finally:
            # In a broken outer transaction this fails: the session's end releases it.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_KEY])
        return
    handle = os.open(
        sqlite_lock_path(connection.settings_dict["NAME"]), os.O_CREAT | os.O_RDWR, 0o600
    )
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy() from None
        yield
    finally:
        os.close(handle)
