"""The substring index of the files' references and names on SQLite (issue 15).

PostgreSQL has trigram GIN indexes on ``UPPER(col)`` (migration 0004). SQLite has
FTS5's trigram tokenizer (SQLite 3.34+): an external-content table holding the
trigrams of ``reference`` and ``name``, keyed by the file's id, kept in step by
triggers on ``dossiers_dossier``, so that every write keeps it right whoever makes
it: the services, the imports, a bulk write, the admin, a raw statement.

The index only narrows the rows: the search then applies the plain condition to
them (``selectors.search_q``), so its results are the plain path's, whatever the
index folds (FTS5 folds the case of every letter, SQLite's LIKE only ASCII's).
A query under three characters has no trigram: the plain path alone serves it.

A later migration that remakes the files' table on SQLite (Django copies it into a
new one) drops its triggers: ``ensure`` (run after every ``migrate``, see
``apps.py``) puts back what is missing and rebuilds the index then.
"""

from __future__ import annotations

TABLE = "dossiers_dossier_fts"
SOURCE = "dossiers_dossier"
MIN_LENGTH = 3  # a trigram

# Plain literals: the names are these constants, nothing comes from outside.
_CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS dossiers_dossier_fts USING fts5("
    "reference, name, content='dossiers_dossier', content_rowid='id', tokenize='trigram')"
)
_REBUILD = "INSERT INTO dossiers_dossier_fts (dossiers_dossier_fts) VALUES ('rebuild')"
TRIGGERS = {
    "dossiers_dossier_fts_insert": (
        "CREATE TRIGGER IF NOT EXISTS dossiers_dossier_fts_insert "
        "AFTER INSERT ON dossiers_dossier BEGIN "
        "INSERT INTO dossiers_dossier_fts (rowid, reference, name) "
        "VALUES (new.id, new.reference, new.name); END"
    ),
    "dossiers_dossier_fts_delete": (
        "CREATE TRIGGER IF NOT EXISTS dossiers_dossier_fts_delete "
        "AFTER DELETE ON dossiers_dossier BEGIN "
        "INSERT INTO dossiers_dossier_fts (dossiers_dossier_fts, rowid, reference, name) "
        "VALUES ('delete', old.id, old.reference, old.name); END"
    ),
    # Only a write of the indexed columns touches the index (the services write the
    # totals of files far more often than their names).
    "dossiers_dossier_fts_update": (
        "CREATE TRIGGER IF NOT EXISTS dossiers_dossier_fts_update "
        "AFTER UPDATE OF reference, name ON dossiers_dossier BEGIN "
        "INSERT INTO dossiers_dossier_fts (dossiers_dossier_fts, rowid, reference, name) "
        "VALUES ('delete', old.id, old.reference, old.name); "
        "INSERT INTO dossiers_dossier_fts (rowid, reference, name) "
        "VALUES (new.id, new.reference, new.name); END"
    ),
}
# What a search asks the index: the ids of the files whose reference or name holds
# the phrase.
CANDIDATES = "SELECT rowid FROM dossiers_dossier_fts WHERE dossiers_dossier_fts MATCH %s"


def supported(connection) -> bool:
    if connection.vendor != "sqlite":
        return False
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 34, 0)


def install(connection) -> None:
    """Create the index and its triggers, and fill it from the files (idempotent)."""
    if not supported(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(_CREATE_TABLE)
        for sql in TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(_REBUILD)


def uninstall(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute("DROP TRIGGER IF EXISTS " + connection.ops.quote_name(name))
        cursor.execute("DROP TABLE IF EXISTS dossiers_dossier_fts")


def ensure(connection) -> bool:
    """Put back a trigger a remade table lost (and rebuild the index, which may have
    missed writes meanwhile). True when something was missing. Nothing to do before
    the migration that creates the index has run."""
    if not supported(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name = %s OR "
            "(type = 'trigger' AND tbl_name = %s)",
            [TABLE, SOURCE],
        )
        present = {name for _, name in cursor.fetchall()}
    if TABLE not in present or set(TRIGGERS) <= present:
        return False
    install(connection)
    return True


def match_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: every character literal, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'
