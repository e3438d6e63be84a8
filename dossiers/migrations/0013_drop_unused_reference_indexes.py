"""Two indexes of the files' references that no query uses (issue 15), on PostgreSQL.

Every index of ``dossiers_dossier`` is written by each import of files and by each
update of a file's totals (a receivables import rewrites every touched file: its
amounts are indexed, so no update is HOT and each of the table's indexes gets a new
entry).

- ``dossiers_dossier_reference_…_like``: made by Django for any unique ``CharField``
  on PostgreSQL, for case-sensitive ``LIKE 'x%'``. The list tests a reference with
  ``iexact`` / ``istartswith`` on ``UPPER(reference)`` (``dossier_reference_upper_idx``,
  0012), the imports and the services by equality (the unique index).
- ``dossier_reference_trgm`` (0004): since 0012 the list's reference tests use the
  B-tree above; the admin's search (``icontains`` on reference, name *and* SIREN, which
  has no index) cannot use a bitmap of indexes for its ``OR`` and reads the table.

The unique index ``dossiers_dossier_reference_key`` stays. SQLite has neither index.
"""

from django.db import migrations

TRIGRAM = "dossier_reference_trgm"


def like_index_name(schema_editor) -> str:
    # The name Django gave it (schema_editor._create_like_index_sql's own rule).
    return schema_editor._create_index_name("dossiers_dossier", ["reference"], suffix="_like")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {like_index_name(schema_editor)}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {like_index_name(schema_editor)} "
        'ON dossiers_dossier ("reference" varchar_pattern_ops)'
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON dossiers_dossier "
        'USING gin ((UPPER("reference"::text)) gin_trgm_ops)'
    )


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0012_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
