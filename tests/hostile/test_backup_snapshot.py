"""Finding 6 (issue 14): a backup taken while agents write counts the rows of the
copy it makes (its snapshot), so that the restore check matches it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile

import pytest
from django.db import connection

from dossiers.models import Note
from recouvrement import backup
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def notes_in_archive(path, tmp_path) -> int:
    with tarfile.open(path) as archive:
        archive.extractall(tmp_path / "out", filter="data")
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(tmp_path / "out" / backup.SQLITE_NAME)
        try:
            table = Note._meta.db_table
            return copy.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
        finally:
            copy.close()
    listing = subprocess.run(  # noqa: S603
        [
            shutil.which("pg_restore"),
            "--data-only",
            f"--table={Note._meta.db_table}",
            "--file=-",
            str(tmp_path / "out" / backup.PGDUMP_NAME),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = listing.split(" FROM stdin;\n", 1)[1].split("\n\\.\n", 1)[0]
    return len([line for line in lines.splitlines() if line])


def test_a_note_written_during_the_backup_is_counted_as_the_copy_holds_it(
    tmp_path, owner, monkeypatch, settings
):
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump (postgresql-client) is needed")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    dossier = factories.DossierFactory(assigned_to=owner)
    Note.objects.create(dossier=dossier, author=owner, text="avant la sauvegarde")
    written = []

    def agent_writes():
        if not written:
            written.append(Note.objects.create(dossier=dossier, author=owner, text="pendant"))

    if connection.vendor == "sqlite":
        real_connect = sqlite3.connect

        class Sqlite:
            def __getattr__(self, name):
                return getattr(sqlite3, name)

            def connect(self, *args, **kwargs):
                agent_writes()  # just before the copy starts
                return real_connect(*args, **kwargs)

        monkeypatch.setattr(backup, "sqlite3", Sqlite())
    else:
        real_run = backup._run

        def run(command, env):
            if command[0] == "pg_dump":
                agent_writes()  # while the dump starts
            return real_run(command, env)

        monkeypatch.setattr(backup, "_run", run)
    summary = backup.backup_create(output=tmp_path / "sauvegarde.tar.gz")
    assert written
    held = notes_in_archive(summary.path, tmp_path)
    manifest = json.loads((tmp_path / "out" / backup.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["counts"]["dossiers.Note"] == held
