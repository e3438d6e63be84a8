"""Substring search on SQLite: an FTS5 trigram index of the files' references and
names, kept in step by triggers (see ``dossiers/search_index.py``). SQLite only:
PostgreSQL has its trigram GIN indexes (0004)."""

from django.db import migrations

from dossiers import search_index


def forwards(apps, schema_editor):
    search_index.install(schema_editor.connection)


def backwards(apps, schema_editor):
    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0011_journal_actions_rgpd")]

    operations = [migrations.RunPython(forwards, backwards)]
