"""The versions of what the client file shows (fiche/versioning.py): kept by the
database's triggers, on every table the page reads, whoever writes."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import ContactPoint, Evidence
from dossiers.models import Note
from fiche import versioning
from paiements.models import Allocation, Promise
from relances.models import Scenario
from tests import factories
from tests.dossiers.test_pages import build_big_file
from tests.paiements.test_views import _populate

pytestmark = pytest.mark.django_db


def version(dossier_id: int) -> int | None:
    return versioning.read_version(connection, dossier_id)


@pytest.fixture
def full_file(dossier, owner):
    """A file with a row in each of the page's tables: contacts, means, evidence,
    notes, pieces, receivables, payments and their allocations, a promise with its
    instalments and receivables, disputes, external actions, a scenario run."""
    build_big_file(dossier, owner)
    _populate(dossier, owner, 2)
    from relances.models import ScenarioRun

    ScenarioRun.objects.create(
        dossier=dossier,
        scenario=Scenario.objects.get(is_default=True),
        started_on=dossier.created_at,
    )
    point = ContactPoint.objects.filter(dossier=dossier).first()
    Evidence.objects.create(point=point, kind=Evidence.Kind.values[0], recorded_by=owner)
    from paiements.models import ExternalAction

    ExternalAction.objects.filter(dossier=dossier).first().receivables.add(
        dossier.receivables.first()
    )
    return dossier


def test_every_trigger_is_in_the_database():
    assert versioning.expected_triggers() <= versioning.installed_triggers(connection)


def test_a_lost_trigger_is_made_again_by_the_next_migrate():
    """A migration that remakes a table on SQLite drops its triggers; the handler run
    after every migrate makes them again."""
    from django.db.models.signals import post_migrate

    quote = connection.ops.quote_name
    name = "fiche_v_contacts_contactpoint_upd"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {quote(name)}")
        else:
            cursor.execute(f"DROP TRIGGER {quote(name)} ON contacts_contactpoint")
    assert ("contacts_contactpoint", name) not in versioning.installed_triggers(connection)
    from django.apps import apps

    from fiche.apps import _install_triggers

    # What runs after every migrate (connected in fiche/apps.py).
    assert _install_triggers in [receiver[1]() for receiver in post_migrate.receivers]
    _install_triggers(sender=apps.get_app_config("fiche"), using="default")
    assert versioning.expected_triggers() <= versioning.installed_triggers(connection)


def test_the_tables_of_a_file_are_found_from_the_models():
    tables = versioning.file_tables()
    assert tables["dossiers_note"] == ("dossier_id", None, None, None)
    # Evidence belongs to a means, which has its file's column.
    assert tables["contacts_evidence"] == ("dossier_id", "point_id", "contacts_contactpoint", "id")
    assert tables["paiements_allocation"][2] == "paiements_payment"
    assert tables["paiements_promise_receivables"][2] == "paiements_promise"
    assert "rgpd_consultationtrace" not in tables  # every view writes it
    assert "dossiers_dossier" not in tables  # the key holds a digest of the row


def test_every_update_of_a_file_s_table_moves_its_version_and_no_other(full_file):
    """A plain UPDATE of one row of each table (what an import's or the planner's
    raw statement does): the file's version of that table's part moves (the tabs' for
    notes, pieces and journal, the panels' for the others), the other part's does not,
    nor another file's."""
    other = factories.DossierFactory()
    factories.NoteFactory(dossier=other)
    quote = connection.ops.quote_name
    checked = []
    tab_tables = versioning.tab_tables()
    tabs = versioning.tabs_id
    for table, (column, fk, parent, pk) in versioning.file_tables().items():
        where = (
            f"{quote(column)} = %s"
            if fk is None
            else f"{quote(fk)} IN (SELECT {quote(pk)} FROM {quote(parent)} WHERE {quote(column)} = %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)} WHERE {where}", [full_file.pk])
            if not cursor.fetchone()[0]:
                continue
            moved, kept = full_file.pk, tabs(full_file.pk)
            if table in tab_tables:
                moved, kept = kept, moved
            before, unmoved = version(moved), version(kept)
            others = version(other.pk), version(tabs(other.pk))
            key = [f.column for f in _model(table)._meta.concrete_fields if f.primary_key][0]
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(key)} = {quote(key)} WHERE {where}",
                [full_file.pk],
            )
        assert version(moved) not in (None, before), table
        assert version(kept) == unmoved, table
        assert (version(other.pk), version(tabs(other.pk))) == others, table
        checked.append(table)
    # The page's own tables all had a row here.
    assert {
        "contacts_contact",
        "contacts_contactpoint",
        "contacts_evidence",
        "dossiers_note",
        "dossiers_receivable",
        "dossiers_journalentry",
        "pieces_piece",
        "paiements_payment",
        "paiements_allocation",
        "paiements_promise",
        "paiements_instalment",
        "paiements_promise_receivables",
        "paiements_dispute",
        "paiements_dispute_receivables",
        "paiements_externalaction",
        "paiements_externalaction_receivables",
        "relances_scenariorun",
    } <= set(checked)


def _model(table: str):
    from django.apps import apps

    return next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)


def test_inserts_and_deletes_move_the_version_through_a_parent_too(dossier, owner):
    contact = factories.ContactFactory(dossier=dossier)
    after_contact = version(dossier.pk)
    point = factories.ContactPointFactory(contact=contact, kind="email")
    after_point = version(dossier.pk)
    assert None not in (after_contact, after_point) and after_point != after_contact
    evidence = Evidence.objects.create(point=point, kind=Evidence.Kind.values[0], recorded_by=owner)
    assert version(dossier.pk) != after_point
    before = version(dossier.pk)
    ContactPoint.objects.filter(pk=point.pk).update(last_evidence=None)
    Evidence.objects.filter(pk=evidence.pk).delete()  # through its means (a parent)
    assert version(dossier.pk) != before
    before = version(dossier.pk), version(versioning.tabs_id(dossier.pk))
    Note.objects.filter(dossier=dossier).delete()  # nothing deleted: nothing moves
    assert (version(dossier.pk), version(versioning.tabs_id(dossier.pk))) == before


def test_a_many_to_many_row_moves_its_file_s_version(dossier, owner):
    _populate(dossier, owner, 2)
    promise = Promise.objects.get(dossier=dossier, status="en_cours")
    before = version(dossier.pk)
    promise.receivables.clear()
    assert version(dossier.pk) != before
    before = version(dossier.pk)
    Allocation.objects.filter(payment__dossier=dossier).delete()
    assert version(dossier.pk) != before


def test_what_every_page_shows_moves_the_global_version(owner, colleague):
    from django.contrib.auth.models import Group

    def global_version():
        return version(versioning.GLOBAL)

    before = global_version()
    colleague.first_name = "Renée"
    colleague.save()
    assert global_version() != before
    before = global_version()
    owner.groups.add(Group.objects.create(name="Nouveaux"))
    assert global_version() != before
    before = global_version()
    Scenario.objects.filter(is_default=True).update(name="Relance standard")
    assert global_version() != before


def test_a_sign_in_moves_no_version_a_name_does(client, colleague):
    """Every sign-in writes the user's last_login, which no page shows: it must not
    have every cached page rendered again (a trigger on the shown columns only)."""
    before = version(versioning.GLOBAL)
    client.force_login(colleague)  # django.contrib.auth's login(): last_login written
    colleague.refresh_from_db()
    assert colleague.last_login is not None
    colleague.set_password("un-autre-mot-de-passe")
    colleague.save(update_fields=["password"])
    assert version(versioning.GLOBAL) == before
    colleague.last_name = "Martin"
    colleague.save(update_fields=["last_name"])
    assert version(versioning.GLOBAL) != before


_TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


def test_every_table_the_content_reads_has_its_triggers(owner_client, full_file, owner):
    """The statements a rendered page runs and a page served from the cache does not
    are the content's reads: each of their tables moves a version (else a write there
    would leave the page stale). The file's own row is covered by the key's digest."""
    url = reverse("dossiers:detail", args=[full_file.pk])
    for tab in ("notes", "pieces", "journal"):
        owner_client.get(f"{url}?onglet={tab}")
        caches["fiche"].clear()
        with CaptureQueriesContext(connection) as rendered:
            owner_client.get(f"{url}?onglet={tab}")
        with CaptureQueriesContext(connection) as served:
            owner_client.get(f"{url}?onglet={tab}")
        assert len(served) < len(rendered)
        served_sql = {q["sql"] for q in served.captured_queries}
        content_tables = {
            table
            for q in rendered.captured_queries
            if q["sql"] not in served_sql
            for table in _TABLE.findall(q["sql"])
        }
        assert content_tables, tab
        # The session's expiry refresh is the request's own, not the content's.
        own = {"dossiers_dossier", "django_session"}
        uncovered = content_tables - versioning.covered_tables() - own
        assert not uncovered, (tab, uncovered)


def test_the_panels_read_no_tab_s_table_and_the_tabs_nothing_else(rf, full_file, owner):
    """The two parts of the content are cached under two versions: a write to the
    tabs' tables moves only theirs, so no panel may show what is in them, and the tabs
    may show nothing of the panels' tables (else a part would be served stale)."""
    from django.contrib.sessions.backends.db import SessionStore

    from fiche import views

    request = rf.get("/")
    request.user, request.session, request.htmx = owner, SessionStore(), False
    tab_tables = versioning.tab_tables()
    global_tables = versioning.covered_tables() - set(versioning.file_tables())
    with CaptureQueriesContext(connection) as panels:
        views.panels_context(request, full_file)
    read = {t for q in panels.captured_queries for t in _TABLE.findall(q["sql"])}
    assert read and not read & tab_tables
    for tab in views.TAB_PANELS:
        with CaptureQueriesContext(connection) as tabs:
            views.tabs_context(request, full_file, tab)
        read = {t for q in tabs.captured_queries for t in _TABLE.findall(q["sql"])}
        assert read & tab_tables, tab
        assert read <= tab_tables | global_tables | {"dossiers_dossier"}, (tab, read)
