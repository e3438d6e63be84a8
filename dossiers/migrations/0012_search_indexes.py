"""Search indexes, one per database (issue 15).

SQLite: an FTS5 trigram index of the files' references and names, kept in step by
triggers (see ``dossiers/search_index.py``); SQLite had none and scanned.

PostgreSQL: a B-tree on ``UPPER(reference)`` with ``text_pattern_ops`` for the
exact and prefix tests of a reference (``iexact``, ``istartswith``), which the
trigram GIN index of 0004 served badly: the trigrams of « B-0250000 » (« 000 »,
« B-0 »…) are in most references, 45 ms a test at a million files → under 1 ms.
The names keep their trigram index (substrings).
"""

from django.db import migrations

from dossiers import search_index

REFERENCE_PREFIX_INDEX = "dossier_reference_upper_idx"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {REFERENCE_PREFIX_INDEX} ON dossiers_dossier "
            '((UPPER("reference"::text)) text_pattern_ops)'
        )
    search_index.install(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {REFERENCE_PREFIX_INDEX}")
    search_index.uninstall(connection)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0011_journal_actions_rgpd")]

    operations = [migrations.RunPython(forwards, backwards)]
