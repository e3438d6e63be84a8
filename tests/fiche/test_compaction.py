"""Keeping the versions small (fiche/compaction.py, ``manage.py fiche_compact``): each
file's rows replaced by one, the deleted files' versions gone, every version still
moving, the page still right."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from dossiers.models import Dossier, Note
from fiche import compaction, versioning
from tests import factories

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the log of changes is PostgreSQL's"
)


def rows(dossier_id: int) -> int:
    table = versioning.CHANGES if connection.vendor == "postgresql" else versioning.VERSIONS
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE dossier_id = %s", [dossier_id])  # noqa: S608
        return cursor.fetchone()[0]


def version(dossier_id: int):
    return versioning.read_version(connection, dossier_id)


def notes(dossier, count: int) -> None:
    """Notes: they move the file's tabs version (its key: ``tabs``)."""
    for i in range(count):
        factories.NoteFactory(dossier=dossier, text=f"note {i}")


tabs = versioning.tabs_id


@postgresql_only
def test_a_file_s_rows_become_one_and_its_version_moves_once_more():
    busy, quiet = factories.DossierFactory(), factories.DossierFactory()
    notes(busy, 5)
    notes(quiet, 1)
    assert rows(tabs(busy.pk)) >= 5
    before_busy, before_quiet = version(tabs(busy.pk)), version(tabs(quiet.pk))
    quiet_rows = rows(tabs(quiet.pk))

    report = compaction.compact(keep=quiet_rows)

    assert rows(tabs(busy.pk)) == 1
    assert version(tabs(busy.pk)) not in (before_busy, None)
    # A file within the limit is left as it was.
    assert rows(tabs(quiet.pk)) == quiet_rows and version(tabs(quiet.pk)) == before_quiet
    assert report.files >= 1 and report.rows_removed >= 4
    # Later writes still move the version.
    compacted = version(tabs(busy.pk))
    notes(busy, 1)
    assert version(tabs(busy.pk)) != compacted


@postgresql_only
def test_a_dry_run_counts_and_writes_nothing():
    dossier = factories.DossierFactory()
    notes(dossier, 4)
    before, count = version(tabs(dossier.pk)), rows(tabs(dossier.pk))
    report = compaction.compact(dry_run=True)
    assert report.files >= 1 and report.rows_removed >= count - 1
    assert version(tabs(dossier.pk)) == before and rows(tabs(dossier.pk)) == count


@postgresql_only
def test_the_global_version_is_compacted_not_removed():
    for i in range(3):
        factories.UserFactory(username=f"agent{i}")
    before = version(versioning.GLOBAL)
    compaction.compact()
    assert rows(versioning.GLOBAL) == 1
    assert version(versioning.GLOBAL) not in (before, None)


@postgresql_only
def test_batches_cover_every_file():
    files = [factories.DossierFactory() for _ in range(5)]
    for dossier in files:
        notes(dossier, 2)
    report = compaction.compact(batch=2)
    assert all(rows(tabs(d.pk)) == 1 for d in files)
    assert report.files >= 5


def test_the_versions_of_deleted_files_are_removed():
    kept, gone = factories.DossierFactory(), factories.DossierFactory()
    notes(kept, 1)
    notes(gone, 1)
    factories.ContactFactory(dossier=gone)  # its panels' version too
    gone_id = gone.pk
    Dossier.objects.filter(pk=gone_id).delete()
    assert rows(gone_id) >= 1 and rows(tabs(gone_id)) >= 1
    kept_version = version(tabs(kept.pk))

    report = compaction.compact(keep=100)

    assert rows(gone_id) == 0 and rows(tabs(gone_id)) == 0
    assert report.orphans == 1  # one file, both its versions
    assert version(tabs(kept.pk)) == kept_version


def test_the_page_after_a_compaction_shows_the_file_as_it_is(owner_client, dossier):
    notes(dossier, 2)
    url = reverse("dossiers:detail", args=[dossier.pk])
    assert "note 1" in owner_client.get(url).content.decode()
    compaction.compact()
    Note.objects.filter(dossier=dossier, text="note 1").update(text="note modifiée")
    html = owner_client.get(url).content.decode()
    assert "note modifiée" in html and "note 1" not in html


def test_the_command_reports_and_refuses_bad_numbers():
    dossier = factories.DossierFactory()
    notes(dossier, 2)
    out = io.StringIO()
    call_command("fiche_compact", "--dry-run", stdout=out)
    assert "seraient retirées" in out.getvalue()
    out = io.StringIO()
    call_command("fiche_compact", stdout=out)
    assert "dossier(s) compacté(s)" in out.getvalue()
    for option in ("--keep", "--batch-size"):
        with pytest.raises(CommandError, match="au moins 1"):
            call_command("fiche_compact", option, "0")


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_in_flight_during_a_compaction_still_moves_the_version():
    """An agent's transaction that has written but not committed when the compaction
    runs: its row is not seen by the compaction's DELETE, stays, and the version moves
    when it commits. Nobody waits for anybody."""
    import threading

    from django.db import transaction

    dossier = factories.DossierFactory()
    notes(dossier, 3)
    written, compacted = threading.Event(), threading.Event()
    outcome = {}

    def agent():
        try:
            with transaction.atomic():
                factories.NoteFactory(dossier=dossier, text="pendant le compactage")
                written.set()
                outcome["waited"] = not compacted.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=agent)
    thread.start()
    assert written.wait(timeout=20)
    compaction.compact()
    after_compaction = version(tabs(dossier.pk))
    assert rows(tabs(dossier.pk)) == 1  # the agent's row is not visible yet
    compacted.set()
    thread.join(timeout=20)
    assert not thread.is_alive() and outcome == {"waited": False}
    assert rows(tabs(dossier.pk)) >= 2
    assert version(tabs(dossier.pk)) != after_compaction
