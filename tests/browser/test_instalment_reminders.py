"""A promise's reminders in Chromium: the client file foresees the « rappel avant
échéance »; a missed instalment's « relance après échéance manquée » waits in « À
faire » and the agent sends it from there."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Communication
from paiements.services import promise_create
from relances.models import PlannedAction
from relances.planner import plan
from tests.browser.conftest import sign_in
from tests.relances.conftest import due_dossier

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def open_windows(settings):
    # Whatever the hour the suite runs at: every window open, no holiday.
    settings.RELANCES_WINDOWS = {
        channel: {"days": list(range(7)), "hours": [("00:00", "24:00")]}
        for channel in settings.RELANCES_WINDOWS
    }
    settings.RELANCES_HOLIDAYS = False


def test_missed_instalment_follow_up_sent_from_the_worklist(page, owner, open_windows, live_server):
    today = timezone.localdate()
    days = datetime.timedelta
    missed = due_dossier(owner, due=today - days(60), amount="300.00", reference="ECH-3001")
    promise_create(
        dossier=missed, plan=[(today - days(7), Decimal("120.00"))], today=today - days(10)
    )
    upcoming = due_dossier(owner, due=today - days(60), amount="300.00", reference="ECH-3002")
    promise_create(dossier=upcoming, plan=[(today + days(10), Decimal("150.00"))], today=today)
    plan()  # the first promise is broken: its follow-up is due today, to confirm
    follow_up = PlannedAction.objects.get(dossier=missed, instalment__isnull=False)
    assert follow_up.state == "a_confirmer"
    sign_in(page, "agnes")

    page.goto(live_server.url + reverse("relances:worklist"))
    row = (
        page.get_by_role("row")
        .filter(has_text="ECH-3001")
        .filter(has_text="Relance après échéance manquée")
    )
    due = (today - days(7)).strftime("%d/%m/%Y")
    expect(row).to_contain_text(f"échéance de 120,00\u00a0€ du {due}")
    expect(row).to_contain_text(f"Échéance du {due} non réglée")
    row.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("« Relance après échéance manquée » envoyé.")
    follow_up.refresh_from_db()
    assert follow_up.state == "envoyee"
    assert Communication.objects.get(pk=follow_up.communication_id).sent_by == owner

    page.goto(live_server.url + reverse("dossiers:detail", args=[upcoming.pk]))
    panel = page.get_by_test_id("relances-instalment")
    reminder_day = (today + days(7)).strftime("%d/%m/%Y")
    expect(panel).to_contain_text(f"Rappel avant échéance le {reminder_day}")
    expect(panel).to_contain_text(
        f"pour l'échéance de 150,00\u00a0€ du {(today + days(10)).strftime('%d/%m/%Y')}"
    )
