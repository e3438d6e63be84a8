"""Substring search on a million files: trigram indexes, on PostgreSQL only.

The list searches names with ``icontains`` and references with ``istartswith``,
which Django turns into ``UPPER(col::text) LIKE UPPER(%s)``; a GIN index with
``gin_trgm_ops`` on the same expression serves both. pg_trgm is a trusted
extension (PostgreSQL 13+): the database owner may create it. SQLite has no such
index and scans, which is fine at the sizes the embedded default is meant for.
"""

from django.db import migrations

INDEXES = {
    "dossier_name_trgm": "name",
    "dossier_reference_trgm": "reference",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_dossier "
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_seed_forbidden_terms")]

    operations = [migrations.RunPython(forwards, backwards)]
