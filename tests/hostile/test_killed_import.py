"""Finding 1 (issue 14): an import killed midway must not leave its parsing child
alive holding the command's PostgreSQL session (and the import's row locks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from dossiers.models import Note
from dossiers.services import note_create
from tests import factories
from tests.imports.conftest import write_csv
from tests.imports.test_contacts import HEADER, row

ROOT = Path(settings.BASE_DIR)


def _import_sessions(cursor, database: str) -> list[tuple[int, str]]:
    cursor.execute(
        "SELECT pid, state FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'",
        [database],
    )
    return cursor.fetchall()


def _writing(cursor, database: str) -> int | None:
    """The pid of the command's session once it holds locks on the contact table."""
    cursor.execute(
        "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "JOIN pg_class c ON c.oid = l.relation WHERE a.datname = %s "
        "AND a.pid <> pg_backend_pid() AND c.relname = 'contacts_contactpoint' "
        "AND l.mode = 'RowExclusiveLock'",
        [database],
    )
    found = cursor.fetchone()
    return found[0] if found else None


def _processes_reading(path: Path) -> list[int]:
    """Pids of the processes this test started (the command and its child)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(path).encode() in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_import_leaves_no_session_and_no_lock(tmp_path, owner, how):
    if connection.vendor != "postgresql":
        pytest.skip("pg_stat_activity: PostgreSQL only (DATABASE_URL=postgres://…)")
    dossier = factories.DossierFactory(reference="D-1", assigned_to=owner)
    rows = [HEADER] + [
        row(contact=f"c{n}", canal="email", email=f"p{n}@exemple.fr") for n in range(250_000)
    ]
    path = write_csv(tmp_path / "gros-import.csv", rows)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_CONN_MAX_AGE": "0"}
    command = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "import_contacts", str(path), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with connection.cursor() as cursor:
            deadline = time.monotonic() + 120
            while not (session := _writing(cursor, db["NAME"])):
                assert command.poll() is None, "the import ended before it could be killed"
                assert time.monotonic() < deadline, "the import never started writing"
                time.sleep(0.05)
            command.send_signal(how)
            command.wait(timeout=10)
            deadline = time.monotonic() + 2
            # Only the command's session: other tests may leave idle connections.
            while (
                sessions := [s for s in _import_sessions(cursor, db["NAME"]) if s[0] == session]
            ) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sessions == [], "the killed import's session is still open"
            cursor.execute("SET lock_timeout = '2s'")
            note_create(dossier=dossier, text="Appel du débiteur ce matin.", user=owner)
            cursor.execute("SET lock_timeout = 0")
        assert Note.objects.filter(dossier=dossier).count() == 1
        assert _processes_reading(path) == []
    finally:
        for pid in _processes_reading(path):
            os.kill(pid, signal.SIGKILL)
        with connection.cursor() as cursor:
            for pid, state in _import_sessions(cursor, db["NAME"]):
                if state != "idle":  # the killed import's, if it survived
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
