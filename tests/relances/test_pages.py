"""The worklist « À faire » and the file's scenario panel: access, content, actions,
query counts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from contacts.models import Communication
from dossiers.models import JournalEntry
from relances.models import PlannedAction, Scenario, ScenarioRun
from relances.planner import plan
from tests import factories

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 1, 5)
MISE_EN_DEMEURE_DAY = datetime.date(2026, 2, 27)


def confirm_ready(owner, **kwargs):
    """A file whose scenario waits for the agent's « Envoyer » (the mise en demeure)."""
    dossier = due_dossier(owner, due=DUE, **kwargs)
    run = ScenarioRun.objects.create(
        dossier=dossier, scenario=Scenario.objects.get(is_default=True), started_on=DUE
    )
    steps = list(run.scenario.steps.order_by("order"))
    run.last_step, run.last_done_on = steps[3], datetime.date(2026, 2, 12)
    run.save()
    with time_machine.travel(at(MISE_EN_DEMEURE_DAY), tick=False):
        plan()
    return dossier, PlannedAction.objects.get(dossier=dossier, state="a_confirmer")


@pytest.fixture
def frozen():
    with time_machine.travel(at(MISE_EN_DEMEURE_DAY), tick=False):
        yield


def test_worklist_lists_the_send_to_confirm_with_a_preview(owner_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    response = owner_client.get(reverse("relances:worklist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>À faire" in page
    assert dossier.reference in page
    assert "Mise en demeure de payer — dossier" in page  # the preview
    assert f"Envoyer — {dossier.reference}" in page and f"Ignorer — {dossier.reference}" in page
    assert 'data-testid="worklist-count"' in page


def test_confirm_sends_through_the_default_address_and_journals_the_agent(
    owner_client, owner, frozen
):
    dossier, action = confirm_ready(owner)
    response = owner_client.post(reverse("relances:action_send", args=[action.pk]), follow=True)
    assert "« Mise en demeure » envoyé." in response.content.decode()
    action.refresh_from_db()
    assert action.state == "envoyee" and action.done_by == owner
    letter = Communication.objects.get(dossier=dossier, channel="letter")
    assert letter.piece is not None
    entry = JournalEntry.objects.get(dossier=dossier, action="letter")
    assert entry.actor == owner and entry.data["step_label"] == "Mise en demeure"
    # Sending twice is refused: the action is no longer to confirm.
    again = owner_client.post(reverse("relances:action_send", args=[action.pk]), follow=True)
    assert "déjà été traitée" in again.content.decode()
    assert Communication.objects.filter(dossier=dossier, channel="letter").count() == 1


def test_ignore_moves_the_scenario_on(owner_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    owner_client.post(reverse("relances:action_ignore", args=[action.pk]))
    action.refresh_from_db()
    assert action.state == "ignoree"
    assert not Communication.objects.filter(dossier=dossier).exists()
    following = PlannedAction.objects.get(dossier=dossier, state="planifiee")
    assert following.step.order == 6
    assert JournalEntry.objects.filter(dossier=dossier, message__contains="ignorée").exists()


def test_sort_by_amount(owner_client, owner, frozen):
    small, _ = confirm_ready(owner, amount="100.00", reference="PETIT")
    big, _ = confirm_ready(owner, amount="9000.00", reference="GROS")
    page = owner_client.get(reverse("relances:worklist") + "?tri=-montant").content.decode()
    assert page.index("GROS") < page.index("PETIT")
    page = owner_client.get(reverse("relances:worklist") + "?tri=montant").content.decode()
    assert page.index("PETIT") < page.index("GROS")


def test_overdue_next_action_of_my_files_is_listed(owner_client, owner):
    dossier = factories.DossierFactory(
        assigned_to=owner,
        next_action="Rappeler le comptable",
        next_action_date=datetime.date.today() - datetime.timedelta(days=2),
    )
    page = owner_client.get(reverse("relances:worklist")).content.decode()
    assert "Rappeler le comptable" in page and dossier.reference in page


def test_colleague_does_not_see_my_items(colleague_client, owner, frozen):
    dossier, _ = confirm_ready(owner)
    page = colleague_client.get(reverse("relances:worklist")).content.decode()
    assert dossier.reference not in page


def test_stranger_gets_404_everywhere(stranger_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    assert stranger_client.get(reverse("relances:worklist")).status_code == 404
    for name in ("action_send", "action_ignore", "action_done"):
        assert (
            stranger_client.post(reverse(f"relances:{name}", args=[action.pk])).status_code == 404
        )
    for name in ("pause", "change"):
        assert (
            stranger_client.get(reverse(f"relances:{name}", args=[dossier.pk])).status_code == 404
        )
    assert stranger_client.post(reverse("relances:resume", args=[dossier.pk])).status_code == 404
    action.refresh_from_db()
    assert action.state == "a_confirmer"


def test_navigation_count_adds_next_actions_and_steps_waiting_for_the_agent(owner, frozen):
    from relances.selectors import worklist_count

    today = MISE_EN_DEMEURE_DAY
    assert worklist_count(user=owner, today=today) == 0
    dossier, action = confirm_ready(owner)  # one send to confirm
    assert worklist_count(user=owner, today=today) == 1
    dossier.next_action_date = today  # and a next action today on the same file
    dossier.save(update_fields=["next_action_date"])
    factories.DossierFactory(assigned_to=owner, next_action_date=today - datetime.timedelta(1))
    factories.DossierFactory(assigned_to=owner, next_action_date=today + datetime.timedelta(1))
    stranger = factories.agent(username="autre")
    factories.DossierFactory(assigned_to=stranger, next_action_date=today)
    assert worklist_count(user=owner, today=today) == 3
    assert worklist_count(user=stranger, today=today) == 1
    PlannedAction.objects.filter(pk=action.pk).update(state="envoyee")
    assert worklist_count(user=owner, today=today) == 2


def test_navigation_count_ends_the_day_at_local_midnight(owner, frozen):
    """The count's SQL adapts the end of the local day like the ORM does: an action
    due at 23:30 Paris time counts today, one due at 00:30 the next day does not."""
    from django.utils import timezone

    from relances.selectors import worklist_count

    today = MISE_EN_DEMEURE_DAY
    dossier, action = confirm_ready(owner)
    paris = timezone.get_default_timezone()
    late = datetime.datetime.combine(today, datetime.time(23, 30), tzinfo=paris)
    PlannedAction.objects.filter(pk=action.pk).update(due_at=late)
    assert worklist_count(user=owner, today=today) == 1
    PlannedAction.objects.filter(pk=action.pk).update(due_at=late + datetime.timedelta(hours=1))
    assert worklist_count(user=owner, today=today) == 0
    PlannedAction.objects.filter(pk=action.pk).update(state="echec", due_at=late)
    assert worklist_count(user=owner, today=today) == 1


def test_worklist_query_count_does_not_grow_with_items(
    owner_client, owner, frozen, django_assert_max_num_queries
):
    confirm_ready(owner)
    owner_client.get(reverse("relances:worklist"))  # the session's first request
    # 13, 2 for the manager-only « Tableau de bord » link (the user's permissions), 5 for
    # the payments' items (instalments, broken promises, disputes, external actions).
    with django_assert_max_num_queries(20) as one:
        owner_client.get(reverse("relances:worklist"))
    for n in range(5):
        confirm_ready(owner, reference=f"MORE-{n}")
    with django_assert_max_num_queries(len(one)):
        owner_client.get(reverse("relances:worklist"))


def test_worklist_previews_legal_placeholders_without_a_query_per_item(
    owner_client, owner, frozen, django_assert_max_num_queries
):
    # The mise en demeure names the invoices ({{ factures }}): they are read for every
    # previewed file at once, not per item.
    dossier, action = confirm_ready(owner)
    template = action.step.template
    template.body = "Objet : {{ factures }}\n" + template.body
    template.save()
    owner_client.get(reverse("relances:worklist"))
    with django_assert_max_num_queries(30) as one:
        page = owner_client.get(reverse("relances:worklist")).content.decode()
    number = dossier.receivables.get().number
    assert f"Objet : facture {number} du" in page
    others = [confirm_ready(owner, reference=f"LEGAL-{n}")[0] for n in range(4)]
    with django_assert_max_num_queries(len(one)):
        page = owner_client.get(reverse("relances:worklist")).content.decode()
    for other in others:
        assert f"Objet : facture {other.receivables.get().number} du" in page


def test_file_panel_shows_scenario_and_next_step(owner_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    page = owner_client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Relance standard" in page
    assert "Appeler le débiteur" in page  # last step done
    assert "Mise en demeure le 27/02/2026" in page
    for label in ("Suspendre", "Changer de scénario"):
        assert label in page


def test_pause_and_resume_from_the_file(owner_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    url = reverse("relances:pause", args=[dossier.pk])
    bad = owner_client.post(url, {"until": "2026-01-01", "reason": "x"})
    assert "postérieure à aujourd" in bad.content.decode()
    missing = owner_client.post(url, {"until": "2026-03-20", "reason": ""})
    assert "Indiquez le motif" in missing.content.decode()
    owner_client.post(url, {"until": "2026-03-20", "reason": "Promesse orale"})
    page = owner_client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Suspendu jusqu'au 20/03/2026 : Promesse orale" in page
    assert "Reprendre" in page
    owner_client.post(reverse("relances:resume", args=[dossier.pk]))
    run = ScenarioRun.objects.get(dossier=dossier, state="active")
    assert run.paused_until is None
    assert JournalEntry.objects.filter(dossier=dossier, message="Relances reprises.").exists()


def test_pause_past_its_date_says_the_run_resumed_without_a_button(owner_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    owner_client.post(
        reverse("relances:pause", args=[dossier.pk]), {"until": "2026-03-05", "reason": "Appel"}
    )
    url = reverse("dossiers:detail", args=[dossier.pk])
    with time_machine.travel(at(datetime.date(2026, 3, 5)), tick=False):
        owner_client.force_login(owner)
        page = owner_client.get(url).content.decode()
        assert "Suspendu jusqu" not in page
        assert "Suspension terminée le 05/03/2026 : les relances ont repris d'elles-mêmes." in page
        assert "Reprendre" not in page and "Suspendre" in page
        # A resume posted from a stale page changes nothing and says why.
        response = owner_client.post(reverse("relances:resume", args=[dossier.pk]), follow=True)
        assert "ne sont pas suspendues" in response.content.decode()
    assert not JournalEntry.objects.filter(dossier=dossier, message="Relances reprises.").exists()


def test_change_scenario_cancels_pending_and_plans_from_today(owner_client, owner, frozen):
    dossier, action = confirm_ready(owner)
    other = Scenario.objects.create(name="Grands comptes")
    from contacts.models import MessageTemplate

    other.steps.create(
        order=1,
        label="Courrier personnalisé",
        delay_days=5,
        action="letter",
        template=MessageTemplate.objects.get(name="Relance amiable"),
        mode="auto",
    )
    url = reverse("relances:change", args=[dossier.pk])
    assert "Changer de scénario" in owner_client.get(url).content.decode()
    owner_client.post(url, {"scenario": other.pk})
    action.refresh_from_db()
    assert action.state == "annulee"
    new = PlannedAction.objects.get(dossier=dossier, state="planifiee")
    # J+5 of an invoice due 05/01 is long past: today at the earliest, never backwards.
    assert new.step.label == "Courrier personnalisé"
    assert new.due_at.date() == MISE_EN_DEMEURE_DAY
    assert JournalEntry.objects.filter(
        dossier=dossier, message__contains="« Grands comptes »"
    ).exists()


def test_panel_query_count(owner_client, owner, frozen, django_assert_max_num_queries):
    dossier, _ = confirm_ready(owner)
    # 22, and the consultation trace's one INSERT (rgpd).
    with django_assert_max_num_queries(23):
        owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))


def test_colleague_without_permission_gets_403(client, owner, frozen):
    dossier, _ = confirm_ready(owner)
    reader = factories.UserFactory(username="lecteur")
    from django.contrib.auth.models import Permission

    reader.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    client.force_login(reader)
    assert client.get(reverse("relances:pause", args=[dossier.pk])).status_code == 403


@pytest.mark.parametrize("name", ["pause", "change"])
def test_form_pages_query_budget(name, owner_client, owner, frozen, django_assert_max_num_queries):
    dossier, _ = confirm_ready(owner)
    owner_client.get(reverse("relances:worklist"))  # the session's first request
    with django_assert_max_num_queries(10):
        response = owner_client.get(reverse(f"relances:{name}", args=[dossier.pk]))
    assert response.status_code == 200
