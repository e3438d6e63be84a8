"""The apply of the contact import (``contacts.importers.contact_apply``): how it
locks the files it touched, and how it finds the files agents changed since its
end-of-file rules ran without reading back its own journal entries."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from contacts import services
from contacts.importers import contact_apply
from contacts.models import ContactPoint
from dossiers.models import Dossier, JournalEntry
from dossiers.services import journal_record
from recouvrement.importing import bulk
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
HEADER = ["reference_dossier", "contact", "nom", "canal", "telephone", "statut", "par_defaut"]


def _entry(dossier, *, by_import: bool) -> int:
    entry = journal_record(
        dossier=dossier,
        action=JournalEntry.Action.IMPORT if by_import else JournalEntry.Action.NOTE,
        actor_kind=JournalEntry.ActorKind.IMPORT if by_import else None,
        message="…",
    )
    return entry.pk


@pytest.mark.django_db
@pytest.mark.parametrize("own_ranges", [256, 1])
def test_the_files_agents_changed_are_found_around_the_imports_own_entries(monkeypatch, own_ranges):
    """Agents' entries before the mark are seen by the rules; those after it count,
    wherever they fall among the import's own entries (left out by ranges of keys:
    when there are more runs of them than ranges, the rest is read, and still left
    out by its author)."""
    monkeypatch.setattr(contact_apply, "OWN_RANGES", own_ranges)
    files = [factories.DossierFactory() for _ in range(7)]
    _entry(files[0], by_import=False)  # before the mark: seen by the rules
    mark = contact_apply.journal_mark()
    own = [_entry(files[1], by_import=True), _entry(files[2], by_import=True)]
    _entry(files[3], by_import=False)  # between two runs of the import's entries
    own.append(_entry(files[4], by_import=True))
    _entry(files[5], by_import=False)  # after them
    _entry(files[6], by_import=False)  # not a file of the import
    touched = {f.pk for f in files[:6]}

    changed = contact_apply.files_changed(touched, mark, own)

    assert changed == {files[3].pk, files[5].pk}
    assert contact_apply.own_ranges(own) == (
        [(own[0], own[1]), (own[2], own[2])] if own_ranges > 1 else [(own[0], own[1])]
    )


@pytest.mark.django_db
def test_the_last_entry_made_before_a_moment_is_the_mark_of_a_short_import():
    dossier = factories.DossierFactory()
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS), tick=False):
        early = _entry(dossier, by_import=False)
    with time_machine.travel(datetime(2026, 12, 1, 10, 3, tzinfo=PARIS), tick=False):
        _entry(dossier, by_import=False)

    moment = datetime(2026, 12, 1, 10, 2, tzinfo=PARIS)
    assert contact_apply.journal_mark_before(moment) == early
    assert contact_apply.journal_mark_before(moment.replace(hour=9)) == 0


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the table lock is PostgreSQL's (DATABASE_URL=postgres://…)")


def _table_locks(pid: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode FROM pg_locks WHERE pid = %s AND relation = %s::regclass",
            [pid, Dossier._meta.db_table],
        )
        return {mode for (mode,) in cursor.fetchall()}


def _in_thread(work):
    outcome: dict[str, object] = {}

    def target():
        try:
            outcome["value"] = work()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a flush before may have removed the groups
def test_a_large_import_locks_the_files_table_for_its_apply_and_agents_wait_for_it(
    csv_file, run_import, monkeypatch
):
    """From ``TABLE_LOCK_FROM`` files, the apply takes one table lock (EXCLUSIVE: the
    services' row locks wait for it, plain reads do not) instead of a lock per file;
    an agent's star change made during the apply waits for the COMMIT, then sees
    what the import wrote."""
    _postgresql_only()
    monkeypatch.setattr(bulk, "TABLE_LOCK_FROM", 2)
    agent = factories.agent()
    dossier = factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)
    contact = factories.ContactFactory(dossier=dossier)
    former = factories.ContactPointFactory(
        contact=contact, kind="phone", phone="+33612000001", status="valid", is_default=True
    )
    seen: dict[str, object] = {}
    original = contact_apply.give_stars

    def give_stars(stars):
        import_pid = connection.connection.info.backend_pid
        reader, read = _in_thread(lambda: (Dossier.objects.count(), _table_locks(import_pid)))
        reader.join(timeout=10)
        seen["read"] = read.get("value")
        # The agent asks for the former phone's star back during the apply.
        seen["agent"] = _in_thread(
            lambda: services.contact_point_set_default(point=former, user=agent)
        )
        seen["agent"][0].join(timeout=1)
        seen["agent_waited"] = seen["agent"][0].is_alive()
        original(stars)

    monkeypatch.setattr(contact_apply, "give_stars", give_stars)
    path = csv_file(
        [
            HEADER,
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", "oui"],
            ["D-2", "c2", "Martin", "telephone", "06 11 22 33 45", "", ""],
        ]
    )
    result = run_import("import_contacts", path)

    assert result.ok, result.err
    thread, outcome = seen["agent"]
    thread.join(timeout=10)
    assert not thread.is_alive() and "error" not in outcome
    count, modes = seen["read"]
    assert count == 2  # reads go on
    assert "ExclusiveLock" in modes
    assert seen["agent_waited"] is True
    # The agent's change came after the import's: the former phone has the star back.
    defaults = ContactPoint.objects.filter(dossier=dossier, kind="phone", is_default=True)
    assert [p.pk for p in defaults] == [former.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_file_kept_locked_by_someone_makes_the_table_lock_give_way_to_row_locks(
    monkeypatch,
):
    """A transaction that keeps a file row locked longer than ``TABLE_LOCK_WAIT``:
    the apply does not make every agent queue behind it, it locks the rows one by
    one instead (waiting for that one file only), in the same transaction."""
    _postgresql_only()
    monkeypatch.setattr(bulk, "TABLE_LOCK_FROM", 2)
    monkeypatch.setattr(bulk, "TABLE_LOCK_WAIT", "200ms")
    first, second = factories.DossierFactory(), factories.DossierFactory()
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            Dossier.objects.select_for_update(no_key=True).get(pk=first.pk)
            locked.set()
            release.wait(timeout=10)

    holder, outcome = _in_thread(hold)
    assert locked.wait(timeout=10)
    timer = threading.Timer(1.0, release.set)
    timer.start()
    with transaction.atomic():
        bulk.lock_many(Dossier, [first.pk, second.pk])
        modes = _table_locks(connection.connection.info.backend_pid)
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            timeout = cursor.fetchone()[0]
    holder.join(timeout=10)
    timer.cancel()
    assert "error" not in outcome
    assert "ExclusiveLock" not in modes and "RowShareLock" in modes  # the rows' locks
    assert timeout == "0"  # the setting went back with the savepoint


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a flush before may have removed the groups
def test_rows_put_aside_are_written_under_the_table_lock_without_locking_rows(
    csv_file, run_import, monkeypatch
):
    """An existing contact's rows, put aside until the apply, are written there under
    the table lock: no lock of each batch's file rows on top of it."""
    _postgresql_only()
    from contacts.importers import contact_writes

    monkeypatch.setattr(bulk, "TABLE_LOCK_FROM", 1)  # D-2 only is staged
    factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)
    first = csv_file([HEADER, ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "", ""]])
    assert run_import("import_contacts", first).ok
    row_locks: list[set[int]] = []
    original = contact_writes.lock_dossiers
    monkeypatch.setattr(
        contact_writes, "lock_dossiers", lambda ids: (row_locks.append(set(ids)), original(ids))
    )
    second = csv_file(
        [
            HEADER,
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 55", "valide", "oui"],  # aside
            ["D-2", "c2", "Martin", "telephone", "06 11 22 33 45", "", ""],
        ]
    )
    result = run_import("import_contacts", second)

    assert result.ok, result.err
    assert row_locks == []
    assert ContactPoint.objects.get(phone="+33611223355").is_default
