"""The worklist « À faire » in Chromium: confirm a send (then see it in the journal and
in « Pièces »), ignore another."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Communication
from relances.models import PlannedAction, Scenario, ScenarioRun
from relances.planner import plan
from tests.browser.conftest import sign_in
from tests.relances.conftest import due_dossier

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def waiting_for_confirmation(owner, reference: str):
    """A file whose scenario reached the mise en demeure, a step « à confirmer »."""
    today = timezone.localdate()
    dossier = due_dossier(owner, due=today - datetime.timedelta(days=70), reference=reference)
    scenario = Scenario.objects.get(is_default=True)
    steps = list(scenario.steps.order_by("order"))
    ScenarioRun.objects.create(
        dossier=dossier,
        scenario=scenario,
        started_on=today - datetime.timedelta(days=60),
        last_step=steps[3],
        last_done_on=today - datetime.timedelta(days=20),
    )
    return dossier


@pytest.fixture
def worklist_page(page, owner, settings):
    # Whatever the hour the suite runs at: every window open, no holiday.
    settings.RELANCES_WINDOWS = {
        channel: {"days": list(range(7)), "hours": [("00:00", "24:00")]}
        for channel in settings.RELANCES_WINDOWS
    }
    settings.RELANCES_HOLIDAYS = False
    sent = waiting_for_confirmation(owner, "ACC-2001")
    skipped = waiting_for_confirmation(owner, "ACC-2002")
    plan()
    assert PlannedAction.objects.filter(state="a_confirmer").count() == 2
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, "agnes")
    page.sent, page.skipped = sent, skipped
    return page


def test_agent_confirms_one_send_and_ignores_another(worklist_page):
    page = worklist_page
    expect(page).to_have_title("À faire · Recouvrement")
    nav = page.get_by_role("link", name="À faire")
    expect(nav).to_contain_text("2")
    row = page.get_by_role("row").filter(has_text="ACC-2001")
    expect(row).to_contain_text("Mise en demeure")
    expect(row).to_contain_text("Mise en demeure de payer — dossier ACC-2001 — Malgré")
    shot(page, "a-faire")

    row.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("« Mise en demeure » envoyé.")
    expect(page.get_by_role("row").filter(has_text="ACC-2001")).to_have_count(0)

    page.get_by_role("row").filter(has_text="ACC-2002").get_by_role(
        "button", name="Ignorer"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("ignoré")
    expect(page.get_by_text("Rien à faire aujourd'hui sur vos dossiers.")).to_be_visible()
    expect(page.get_by_role("link", name="À faire")).not_to_contain_text("2")

    # The confirmed send is in the file's journal and its letter in « Pièces ».
    page.goto(f"/dossiers/{page.sent.pk}/")
    panel = page.get_by_test_id("relances-panel")
    expect(panel).to_contain_text("Mise en demeure")
    expect(panel.get_by_role("link", name="Suspendre")).to_be_visible()
    expect(panel.get_by_role("link", name="Changer de scénario")).to_be_visible()
    page.get_by_role("tab", name="Journal").click()
    expect(page.locator("#pane-journal")).to_contain_text("Courrier « Mise en demeure » généré")
    expect(page.locator("#pane-journal")).to_contain_text("Relance standard")
    page.get_by_role("tab", name="Pièces").click()
    expect(page.locator("#pane-pieces")).to_contain_text("courrier-mise-en-demeure-ACC-2001")
    shot(page, "a-faire-fiche")

    assert Communication.objects.filter(dossier=page.sent, channel="letter").count() == 1
    assert not Communication.objects.filter(dossier=page.skipped).exists()
    assert PlannedAction.objects.get(dossier=page.skipped, step__order=5).state == "ignoree"
    assert page.js_errors == []


def test_the_badge_counts_the_promises_and_their_row_opens_the_payments(page, owner):
    """A broken promise and a dispute to follow are counted by the navigation's badge
    as the page lists them; the row's « Ouvrir le dossier », reached with the keyboard,
    opens the file on its payments panel."""
    from decimal import Decimal

    from paiements.models import DisputeReason
    from paiements.services import dispute_open, promise_create, promises_evaluate
    from tests import factories
    from tests.paiements.helpers import receivable

    today = timezone.localdate()
    days = datetime.timedelta
    broken = factories.DossierFactory(assigned_to=owner, reference="ACC-3001")
    receivable(broken, "F1", "120.00", due=today - days(40))
    promise_create(
        dossier=broken, plan=[(today - days(10), Decimal("120.00"))], today=today - days(12)
    )
    promises_evaluate(today=today)
    disputed = factories.DossierFactory(assigned_to=owner, reference="ACC-3002")
    invoice = receivable(disputed, "F2", "80.00", due=today - days(20))
    dispute_open(
        dossier=disputed,
        receivables=[invoice],
        reason=DisputeReason.objects.filter(active=True).first(),
        follow_up_date=today,
        user=owner,
    )
    sign_in(page, "agnes")
    page.goto("/a-faire/")
    expect(page.get_by_test_id("worklist-total")).to_have_text("2")
    expect(page.get_by_test_id("worklist-count")).to_have_text("(2)")
    row = page.get_by_role("row").filter(has_text="ACC-3001")
    expect(row).to_contain_text("Promesse non tenue")
    link = row.get_by_role("link", name="Ouvrir le dossier — ACC-3001")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dossiers/{broken.pk}/#paiements")
    expect(page.get_by_role("heading", name="Paiements")).to_be_visible()
    expect(page.get_by_test_id("derniere-promesse")).to_contain_text("non tenue")
    assert page.js_errors == []
