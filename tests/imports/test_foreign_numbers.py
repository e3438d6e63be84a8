"""An import's journal shows a foreign number internationally, as the services do."""

from __future__ import annotations

import pytest

from contacts import services
from dossiers.models import JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db

BELGIAN = "+32 2 555 12 12"


def test_event_import_journal_shows_it_internationally(csv_file, run_import, owner, dossier):
    contact = factories.ContactFactory(dossier=dossier, last_name="Janssens", first_name="Luc")
    services.contact_point_create(contact=contact, user=owner, kind="phone", phone=BELGIAN)
    path = csv_file(
        [["date", "type", "valeur"], ["28/11/2026 10:00", "appel_abouti", "+32 2 555 12 12"]]
    )
    run = run_import("import_evenements", path)
    assert run.ok, run.err
    entry = JournalEntry.objects.get(dossier=dossier, action="import")
    assert f"{BELGIAN} (Mme Luc Janssens) devient le moyen par défaut (téléphone)" in entry.message
