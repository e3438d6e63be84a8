"""Agents keep working while a contact import runs (issue 15): the import stages the
rows nobody else can see yet without locking anything an agent works on, and takes
every decision that depends on what agents may change (existing contacts' rows, the
stars, the end-of-file rules) in a short apply, under the files' locks, on the state
as it is then. Still all or nothing.

On SQLite (one writer), the rows are staged in TEMP tables, written without the
database's write lock, and copied in by the apply (``bulk.Stage``): the same tests
run there, but the one on the rules run before the lock (PostgreSQL only: SQLite
runs them under it)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from contacts import services
from contacts.importers import contact_apply
from contacts.importers.contact_writes import ContactWrites
from contacts.importers.contacts import ContactImporter
from contacts.models import Contact, ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry
from dossiers.services import note_create
from tests import factories

HEADER = ["reference_dossier", "contact", "nom", "canal", "telephone", "statut", "par_defaut"]


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (DATABASE_URL=postgres://…)")


def in_other_thread(work):
    """Run ``work`` in a thread with its own connection; wait for it (at most 30 s:
    an agent blocked by the import would wait until the import commits, which the
    calling import cannot do while it waits here). Returns (finished, error)."""
    outcome: dict[str, object] = {}

    def target():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    return not thread.is_alive(), outcome.get("error")


def during_staging(monkeypatch, work):
    """Call ``work`` once, after the first batch the import staged and before its
    apply; record in the returned dict what happened."""
    seen: dict[str, object] = {"applied": False}
    original_write = ContactWrites.write_batch
    original_apply = getattr(ContactWrites, "apply_staged", None)

    def write_batch(self, records):
        original_write(self, records)
        if not getattr(self, "_applying", False) and "finished" not in seen:
            seen["finished"], seen["error"] = work()
            seen["applied_before_agent"] = seen["applied"]

    def apply_staged(self):
        seen["applied"] = True
        original_apply(self)

    monkeypatch.setattr(ContactWrites, "write_batch", write_batch)
    monkeypatch.setattr(ContactWrites, "apply_staged", apply_staged, raising=False)
    monkeypatch.setattr(ContactImporter, "batch_size", 1)
    return seen


def two_validated_phones(dossier):
    contact = factories.ContactFactory(dossier=dossier)
    first = factories.ContactPointFactory(
        contact=contact, kind="phone", phone="+33612000001", status="valid", is_default=True
    )
    second = factories.ContactPointFactory(
        contact=contact, kind="phone", phone="+33612000002", status="valid"
    )
    return first, second


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a flush before may have removed the groups
def test_an_agents_star_and_note_commit_while_the_import_is_staging(
    csv_file, run_import, monkeypatch
):
    agent = factories.agent()
    dossier = factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)
    _former, other = two_validated_phones(dossier)

    def agent_work():
        def work():
            services.contact_point_set_default(point=other, user=agent)
            note_create(dossier=dossier, text="Rappel demandé par le débiteur.", user=agent)

        return in_other_thread(work)

    seen = during_staging(monkeypatch, agent_work)
    path = csv_file(
        [
            HEADER,
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", "oui"],
            ["D-2", "c1", "Martin", "telephone", "06 11 22 33 45", "", ""],
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 46", "", ""],
        ]
    )
    result = run_import("import_contacts", path)

    assert result.ok, result.err
    # The agent was not made to wait for the import: its writes committed while the
    # import was still staging, before its apply.
    assert seen["finished"] is True, "the agent's write waited for the import"
    assert seen["error"] is None
    assert seen["applied_before_agent"] is False
    assert JournalEntry.objects.filter(dossier=dossier, action="note").count() == 1
    assert JournalEntry.objects.filter(dossier=dossier, action="default_changed").count() == 1
    # The apply then gave the star the file names, on the state the agent left:
    # exactly one default phone.
    defaults = ContactPoint.objects.filter(dossier=dossier, kind="phone", is_default=True)
    assert [p.phone.as_e164 for p in defaults] == ["+33611223344"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a flush before may have removed the groups
def test_a_means_an_agent_invalidates_during_the_import_is_checked_again_at_the_apply(
    csv_file, run_import, monkeypatch
):
    """The file stars a means the last import validated; meanwhile an agent finds the
    number wrong. The import does not star it on the strength of what it read before
    (an invalid default): the row is validated again at the apply, on the state the
    agent left, and refused; the import, atomic, writes nothing."""
    agent = factories.agent()
    dossier = factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)
    first = csv_file([HEADER, ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", ""]])
    assert run_import("import_contacts", first).ok
    point = ContactPoint.objects.get(dossier=dossier, phone="+33611223344")
    assert point.status == "valid"

    def agent_work():
        return in_other_thread(
            lambda: services.contact_point_invalidate(
                point=point, user=agent, comment="Faux numéro"
            )
        )

    seen = during_staging(monkeypatch, agent_work)
    second = csv_file(
        [
            HEADER,
            # read first: the agent acts after the import has seen this row
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "", "oui"],
            ["D-2", "c9", "Martin", "telephone", "06 11 22 33 45", "", ""],
        ]
    )
    contacts_before = Contact.objects.count()
    result = run_import("import_contacts", second)

    assert seen["finished"] is True and seen["error"] is None
    assert not result.ok
    assert "ligne 2" in result.err and "invalide" in result.err
    point.refresh_from_db()
    assert point.status == "invalid" and not point.is_default  # the agent's change stands
    assert Contact.objects.count() == contacts_before  # nothing of the second import


@pytest.mark.django_db
def test_an_apply_that_fails_half_way_leaves_nothing(csv_file, run_import, monkeypatch):
    """The apply writes the rows put aside and the stars, then the end-of-file rules
    and the journal; a failure there (here: the journal's insert) rolls everything
    back, the staged rows included."""
    factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)
    first = csv_file(
        [HEADER, ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", "oui"]]
    )
    assert run_import("import_contacts", first).ok
    before = (
        Contact.objects.count(),
        ContactPoint.objects.count(),
        Evidence.objects.count(),
        JournalEntry.objects.count(),
    )
    stars = set(ContactPoint.objects.filter(is_default=True).values_list("pk", flat=True))
    reached: list[str] = []

    def broken_journal(entries):
        reached.append("journal")
        raise RuntimeError("disk full")

    original_stars = contact_apply.give_stars

    def give_stars(*args):
        original_stars(*args)
        reached.append("stars")

    monkeypatch.setattr(contact_apply, "give_stars", give_stars)
    monkeypatch.setattr("contacts.importers.common.journal_insert", broken_journal)
    second = csv_file(
        [
            HEADER,
            # an existing contact's row (put aside, written at the apply): a new phone
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 55", "valide", "oui"],
            # new contacts (staged): one starred
            ["D-2", "c2", "Martin", "telephone", "06 11 22 33 45", "valide", "oui"],
            ["D-2", "c3", "Petit", "telephone", "06 11 22 33 46", "", ""],
        ]
    )
    with pytest.raises(RuntimeError, match="disk full"):
        run_import("import_contacts", second)

    assert reached == ["stars", "journal"]  # it failed half-way through the apply
    after = (
        Contact.objects.count(),
        ContactPoint.objects.count(),
        Evidence.objects.count(),
        JournalEntry.objects.count(),
    )
    assert after == before
    assert set(ContactPoint.objects.filter(is_default=True).values_list("pk", flat=True)) == stars


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a flush before may have removed the groups
@pytest.mark.parametrize("margin", ["1 minute", "none"])
def test_a_file_an_agent_changes_after_the_rules_ran_gets_them_again_under_the_lock(
    csv_file, run_import, monkeypatch, margin
):
    """The end-of-file rules run first without the lock; between them and the lock an
    agent finds the file's default phone wrong (its star goes; the agent cannot see
    the import's new validated phone, so no other takes it). Applied as decided, the
    file would be left with a validated phone and no default; the import sees the
    agent's change and runs the rules of that file again under the lock."""
    _postgresql_only()
    agent = factories.agent()
    dossier = factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)
    former = factories.ContactPointFactory(
        contact=factories.ContactFactory(dossier=dossier),
        kind="phone",
        phone="+33612000001",
        status="valid",
        is_default=True,
    )
    writes = contact_apply
    seen: dict[str, object] = {}
    original_check = writes.check_constraints

    def check_then_agent():
        original_check()
        seen["finished"], seen["error"] = in_other_thread(
            lambda: services.contact_point_invalidate(
                point=former, user=agent, comment="Faux numéro"
            )
        )

    monkeypatch.setattr(writes, "check_constraints", check_then_agent)
    if margin == "none":
        # An import longer than the margin: the changes are found by the journal's
        # keys since its last mark (files_changed_after), not by date.
        monkeypatch.setattr(writes, "CHANGES_MARGIN", timedelta(0))
    path = csv_file(
        [
            HEADER,
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", ""],
            ["D-2", "c2", "Martin", "telephone", "06 11 22 33 45", "valide", ""],
        ]
    )
    result = run_import("import_contacts", path)

    assert result.ok, result.err
    assert seen == {"finished": True, "error": None}
    former.refresh_from_db()
    assert former.status == "invalid" and not former.is_default
    defaults = ContactPoint.objects.filter(dossier=dossier, kind="phone", is_default=True)
    assert [p.phone.as_e164 for p in defaults] == ["+33611223344"]
    entry = JournalEntry.objects.get(dossier=dossier, action="import")
    assert entry.data["default_changed"] and "06 11 22 33 44" in entry.message
    # The other file, unchanged by agents, got what the first pass decided.
    assert ContactPoint.objects.get(phone="+33611223345").is_default
    assert JournalEntry.objects.filter(action="import").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a flush before may have removed the groups
def test_rows_an_agent_adds_during_the_staging_keep_their_keys_and_the_imports_its_links(
    csv_file, run_import, monkeypatch
):
    """While the import stages, an agent adds a contact with a phone (on SQLite they
    take the keys after the table's last one, which the staged rows do not use): both
    are kept, and every imported means belongs to its contact, its « import » evidence
    to it, its star where the file put it."""
    agent = factories.agent()
    dossier = factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    factories.DossierFactory(reference="D-2", status=Dossier.Status.IN_PROGRESS)

    def agent_work():
        return in_other_thread(
            lambda: services.contact_create(
                dossier=dossier,
                user=agent,
                last_name="Agent",
                points=[("phone", {"phone": "06 99 00 00 01"})],
            )
        )

    seen = during_staging(monkeypatch, agent_work)
    path = csv_file(
        [
            HEADER,
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", "oui"],
            ["D-2", "c2", "Martin", "telephone", "06 11 22 33 45", "valide", ""],
            ["D-2", "c2", "Martin", "telephone", "06 11 22 33 46", "", ""],
            ["D-1", "c3", "Petit", "telephone", "06 11 22 33 47", "invalide", ""],
        ]
    )
    result = run_import("import_contacts", path)

    assert result.ok, result.err
    assert seen["finished"] is True and seen["error"] is None
    agents = Contact.objects.get(last_name="Agent")
    assert [p.phone.as_e164 for p in agents.points.all()] == ["+33699000001"]
    imported = ContactPoint.objects.exclude(contact=agents).select_related("contact", "dossier")
    owners = {p.phone.as_e164: (p.contact.external_key, p.dossier.reference) for p in imported}
    assert owners == {
        "+33611223344": ("c1", "D-1"),
        "+33611223345": ("c2", "D-2"),
        "+33611223346": ("c2", "D-2"),
        "+33611223347": ("c3", "D-1"),
    }
    for point in imported.filter(status__in=["valid", "invalid"]):
        assert point.last_evidence.point_id == point.pk
        assert point.last_evidence.source == Evidence.Source.IMPORT
    defaults = ContactPoint.objects.filter(is_default=True).order_by("dossier__reference")
    # D-1: the file's star; D-2: the default rule (its one validated phone).
    assert [p.phone.as_e164 for p in defaults] == ["+33611223344", "+33611223345"]
    assert Contact.objects.filter(external_key="c2").count() == 1


@pytest.mark.django_db
def test_a_refused_import_leaves_no_staged_rows_behind(csv_file, run_import):
    """Atomic on SQLite too: a file with one invalid row writes nothing (its valid
    rows were staged, then the apply rolled back), and the staged tables are gone."""
    factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)
    path = csv_file(
        [
            HEADER,
            ["D-1", "c1", "Durand", "telephone", "06 11 22 33 44", "valide", "oui"],
            ["D-9", "c2", "Martin", "telephone", "06 11 22 33 45", "", ""],
        ]
    )
    result = run_import("import_contacts", path)

    assert not result.ok
    assert not Contact.objects.exists() and not ContactPoint.objects.exists()
    assert not Evidence.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")
            assert cursor.fetchall() == []
