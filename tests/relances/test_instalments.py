"""Reminders around a promise's instalments (SPEC §13): « rappel avant échéance » N days
before each instalment and « relance après échéance manquée » N days after a missed
one, sent through the same machinery as the other steps while the file is « paiement »
and its regular steps wait. The default scenario has both: an automatic e-mail 3 days
before, an e-mail to confirm 5 days after (relances/0005)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from contacts.messaging.placeholders import placeholders_check
from contacts.models import Communication, MessageTemplate
from dossiers.models import Dossier, JournalEntry
from paiements.models import Instalment, Promise
from paiements.services import payment_record, promise_create
from relances.models import PlannedAction, Scenario, ScenarioStep
from relances.planner import plan
from relances.selectors import dossier_panel, worklist

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 12, 1)  # a Tuesday
PLAN = [  # three monthly instalments, each on a weekday
    (datetime.date(2026, 12, 18), Decimal("100.00")),  # Friday: reminder Tuesday 15/12
    (datetime.date(2027, 1, 18), Decimal("100.00")),  # Monday: reminder Friday 15/01
    (datetime.date(2027, 2, 18), Decimal("100.00")),  # Thursday: reminder Monday 15/02
]


def day_range(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def plan_daily(first: datetime.date, last: datetime.date, *, hour: int = 10, pay=None):
    """The planner every day at ``hour``; ``pay``: {day: amount} paid that morning."""
    for day in day_range(first, last):
        with time_machine.travel(at(day, hour), tick=False):
            if pay and day in pay:
                dossier = Dossier.objects.get(reference="ECH")
                payment_record(dossier=dossier, date=day, amount=Decimal(pay[day]), mode="virement")
            plan()


@pytest.fixture
def promised(owner):
    """A file 300 € overdue since 01/11, in the default scenario, with a plan of three
    instalments recorded on 01/12: status « paiement »."""
    dossier = due_dossier(owner, due=datetime.date(2026, 11, 1), amount="300.00", reference="ECH")
    with time_machine.travel(at(START, 9), tick=False):
        promise_create(dossier=dossier, plan=PLAN, today=START, user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.PAYMENT
    return dossier


def reminders(dossier, **filters):
    return PlannedAction.objects.filter(dossier=dossier, instalment__isnull=False, **filters)


def emails(dossier):
    return list(
        Communication.objects.filter(dossier=dossier, channel="email").order_by("created_at")
    )


def test_reminder_goes_n_days_before_each_instalment_not_when_covered(promised):
    # Instalment 1 is paid after its reminder, instalment 2 before its reminder
    # (nothing sent for it), instalment 3 too: the promise is completed.
    plan_daily(
        START,
        datetime.date(2027, 2, 19),
        pay={
            datetime.date(2026, 12, 16): "100.00",
            datetime.date(2027, 1, 10): "100.00",
            datetime.date(2027, 2, 1): "100.00",
        },
    )
    sent = emails(promised)
    assert [c.created_at.date() for c in sent] == [datetime.date(2026, 12, 15)]
    reminder = sent[0]
    assert reminder.point.is_default and reminder.recipient.endswith(reminder.point.email)
    assert reminder.sent_by is None  # « système »
    assert "100,00" in reminder.body and "18/12/2026" in reminder.body
    assert "18/12/2026" in reminder.subject
    action = reminders(promised).get()
    assert action.state == PlannedAction.State.SENT
    assert action.instalment.due_date == PLAN[0][0]
    assert action.step.kind == ScenarioStep.Kind.BEFORE_INSTALMENT
    entry = JournalEntry.objects.get(dossier=promised, action=JournalEntry.Action.EMAIL)
    assert entry.data["instalment"] == action.instalment_id
    assert entry.data["step_kind"] == "before_instalment"
    assert "Rappel avant échéance" in entry.message and "18/12/2026" in entry.message
    assert Promise.objects.get(dossier=promised).status == Promise.Status.KEPT
    # The regular steps waited the whole time and never moved.
    run = action.run
    run.refresh_from_db()
    assert run.last_step is None


def test_broken_promise_no_more_reminders_follow_up_to_confirm(promised, owner, owner_client):
    plan_daily(START, datetime.date(2026, 12, 31))
    # 15/12: the reminder; 22/12: the instalment of 18/12 is missed (3 days of grace),
    # the promise is broken and the file back « en cours ».
    promise = Promise.objects.get(dossier=promised)
    assert promise.status == Promise.Status.BROKEN
    before = reminders(promised, step__kind=ScenarioStep.Kind.BEFORE_INSTALMENT)
    assert [a.instalment.due_date for a in before] == [PLAN[0][0]]
    # The follow-up: 5 days after the missed instalment (23/12), moved by the gap of
    # 3 days after the regular e-mail of 22/12 and the holiday of 25/12: Monday 28/12.
    follow_up = reminders(promised, step__kind=ScenarioStep.Kind.AFTER_MISSED).get()
    assert follow_up.state == PlannedAction.State.TO_CONFIRM
    assert follow_up.instalment.due_date == PLAN[0][0]
    assert follow_up.due_at.date() == datetime.date(2026, 12, 28)
    # It waits in « À faire » with a preview speaking of the instalment…
    with time_machine.travel(at(datetime.date(2026, 12, 31), 11), tick=False):
        items = [i for i in worklist(user=owner) if i.extra.get("action") == follow_up.pk]
        assert len(items) == 1 and items[0].kind == "confirm"
        assert "échéance de 100,00\u00a0€ du 18/12/2026" in items[0].label
        assert "18/12/2026" in items[0].preview
        owner_client.force_login(owner)  # a session of the day
        response = owner_client.get(reverse("relances:worklist"))
        assert response.status_code == 200, response.get("Location")
        page = response.content.decode()
        assert "Relance après échéance manquée" in page
        # … and goes from there, by the agent, once.
        url = reverse("relances:action_send", args=[follow_up.pk])
        assert owner_client.post(url).status_code == 302
        assert owner_client.post(url).status_code == 302  # a second click: nothing more
    follow_up.refresh_from_db()
    assert follow_up.state == PlannedAction.State.SENT
    assert follow_up.communication.sent_by == owner
    assert "Échéance du 18/12/2026 non réglée" in follow_up.communication.subject
    assert Communication.objects.filter(subject__contains="non réglée").count() == 1
    # Re-planning later sends nothing more around these instalments.
    plan_daily(datetime.date(2027, 1, 1), datetime.date(2027, 1, 20))
    assert reminders(promised).count() == 2


def test_a_new_promise_cancels_the_follow_up_waiting_for_the_agent(promised, owner):
    plan_daily(datetime.date(2026, 12, 15), datetime.date(2026, 12, 28))
    follow_up = reminders(promised, step__kind=ScenarioStep.Kind.AFTER_MISSED).get()
    assert follow_up.state == PlannedAction.State.TO_CONFIRM
    with time_machine.travel(at(datetime.date(2026, 12, 29), 9), tick=False):
        promise_create(
            dossier=promised,
            plan=[(datetime.date(2027, 1, 8), Decimal("300.00"))],
            today=datetime.date(2026, 12, 29),
            user=owner,
        )
    plan_daily(datetime.date(2026, 12, 29), datetime.date(2026, 12, 29))
    follow_up.refresh_from_db()
    assert follow_up.state == PlannedAction.State.CANCELLED
    with time_machine.travel(at(datetime.date(2026, 12, 29), 11), tick=False):
        assert not [i for i in worklist(user=owner) if i.extra.get("action") == follow_up.pk]


def test_exactly_once_per_instalment_and_step(promised):
    day = datetime.date(2026, 12, 15)
    for hour in (9, 10, 10, 15, 19):
        with time_machine.travel(at(day, hour), tick=False):
            plan()
    assert reminders(promised).count() == 1
    assert len(emails(promised)) == 1
    action = reminders(promised).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlannedAction.objects.create(
            dossier=promised,
            run=action.run,
            step=action.step,
            instalment=action.instalment,
            due_at=action.due_at,
            state=PlannedAction.State.CANCELLED,
        )


def test_paid_between_planning_and_sending_cancels_the_reminder(owner):
    dossier = due_dossier(owner, due=datetime.date(2026, 11, 1), amount="300.00", reference="ECH")
    due = datetime.date(2026, 12, 22)  # Tuesday: reminder Saturday 19/12 → Monday 08:00
    with time_machine.travel(at(START, 9), tick=False):
        promise_create(dossier=dossier, plan=[(due, Decimal("300.00"))], today=START, user=owner)
    plan_daily(datetime.date(2026, 12, 19), datetime.date(2026, 12, 19))
    action = reminders(dossier).get()
    assert action.state == PlannedAction.State.PLANNED
    assert action.due_at == at(datetime.date(2026, 12, 21), 8, 0)
    with time_machine.travel(at(datetime.date(2026, 12, 20), 12), tick=False):
        payment_record(
            dossier=dossier, date=datetime.date(2026, 12, 20), amount=Decimal("300"), mode="carte"
        )
    assert Instalment.objects.get(promise__dossier=dossier).state == Instalment.State.KEPT
    plan_daily(datetime.date(2026, 12, 21), datetime.date(2026, 12, 23))
    action.refresh_from_db()
    assert action.state == PlannedAction.State.CANCELLED
    assert emails(dossier) == []


def test_a_reminder_planned_then_the_promise_cancelled_does_not_go(promised, owner):
    from paiements.services import promise_cancel

    day = datetime.date(2026, 12, 15)
    with time_machine.travel(at(day, 7), tick=False):  # before the window opens
        plan()
    action = reminders(promised).get()
    assert action.state == PlannedAction.State.PLANNED  # for 08:00
    with time_machine.travel(at(day, 7, 30), tick=False):
        promise_cancel(promise=Promise.objects.get(dossier=promised), today=day, user=owner)
    # Even a worker holding the action without a planning round in between sends nothing.
    from relances.sending import action_send

    with time_machine.travel(at(day, 9), tick=False):
        action_send(action_id=action.pk)
    action.refresh_from_db()
    assert action.state == PlannedAction.State.CANCELLED
    assert emails(promised) == []


def test_no_default_email_becomes_a_contact_search(owner):
    dossier = due_dossier(
        owner, due=datetime.date(2026, 11, 1), amount="300.00", reference="ECH", means=("postal",)
    )
    with time_machine.travel(at(START, 9), tick=False):
        promise_create(dossier=dossier, plan=PLAN, today=START, user=owner)
    plan_daily(datetime.date(2026, 12, 15), datetime.date(2026, 12, 15))
    action = reminders(dossier).get()
    assert action.state == PlannedAction.State.TO_CONFIRM and action.contact_search
    with time_machine.travel(at(datetime.date(2026, 12, 15), 11), tick=False):
        kinds = {i.kind for i in worklist(user=owner) if i.extra.get("action") == action.pk}
    assert kinds == {"contact_search"}


def test_paused_run_holds_the_reminders_too(promised, owner):
    from relances.services import run_pause

    with time_machine.travel(at(datetime.date(2026, 12, 2), 10), tick=False):
        plan()
        run_pause(dossier=promised, until=datetime.date(2026, 12, 17), reason="Appel", user=owner)
    plan_daily(datetime.date(2026, 12, 3), datetime.date(2026, 12, 16))
    assert emails(promised) == []
    plan_daily(datetime.date(2026, 12, 17), datetime.date(2026, 12, 17))
    # The pause is over the day before the instalment: the reminder goes then.
    assert [c.created_at.date() for c in emails(promised)] == [datetime.date(2026, 12, 17)]


def test_auto_send_switch_off_sends_nothing(promised, settings):
    settings.RELANCES_AUTO_SEND = False
    plan_daily(datetime.date(2026, 12, 15), datetime.date(2026, 12, 16))
    assert reminders(promised).get().state == PlannedAction.State.PLANNED
    assert emails(promised) == []


# --- Settings in the admin ------------------------------------------------------------


def template(name="Rappel avant échéance", channel="email"):
    return MessageTemplate.objects.get(channel=channel, name=name)


def step(**values):
    defaults = {
        "scenario": Scenario.objects.get(is_default=True),
        "order": 50,
        "label": "Rappel",
        "kind": ScenarioStep.Kind.BEFORE_INSTALMENT,
        "delay_days": 2,
        "action": "email",
        "template": template(),
        "mode": "auto",
    }
    return ScenarioStep(**{**defaults, **values})


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"delay_days": -1}, "delay_days", "positif ou nul"),
        ({"kind": "after_missed", "delay_days": 0}, "delay_days", "au moins 1 jour"),
        ({"action": "call", "template": None, "mode": "task"}, "action", "est un envoi"),
        ({"action": "sms"}, "template", "canal de l'étape"),
        ({"kind": "regular", "delay_days": 5}, "template", "réservé aux rappels"),
    ],
)
def test_step_settings_are_validated(values, field, text):
    with pytest.raises(ValidationError) as error:
        step(**values).full_clean()
    assert text in " ".join(error.value.message_dict[field])


@pytest.mark.parametrize(
    "values",
    [
        {"delay_days": -1},
        {"kind": "after_missed", "delay_days": 0},
        {"action": "call", "template": None, "mode": "task"},
    ],
)
def test_step_settings_are_database_constraints(values):
    with pytest.raises(IntegrityError), transaction.atomic():
        step(**values).save()


def test_admin_shows_the_error_on_the_step(admin_client):
    scenario = Scenario.objects.get(is_default=True)
    url = reverse("admin:relances_scenario_change", args=[scenario.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Rappel avant échéance" in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    formset = page.context["inline_admin_formsets"][0].formset
    prefix = formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(formset.forms)),
            f"{prefix}-INITIAL_FORMS": str(len(formset.forms)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    for index, inline in enumerate(formset.forms):
        for name in inline.fields:
            value = inline[name].value()
            if value is not None:
                data[f"{prefix}-{index}-{name}"] = value
        if inline.instance.kind == ScenarioStep.Kind.BEFORE_INSTALMENT:
            data[f"{prefix}-{index}-delay_days"] = "-2"
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "Rappel avant échéance : un nombre de jours positif ou nul" in response.content.decode()
    assert ScenarioStep.objects.get(kind="before_instalment").delay_days == 3


def test_instalment_placeholders_are_safe_and_known():
    assert placeholders_check("{{ echeance_montant }} le {{ echeance_date }}") == [
        "echeance_montant",
        "echeance_date",
    ]
    with pytest.raises(ValidationError, match="echeance_montants"):
        placeholders_check("{{ echeance_montants }}")
    with pytest.raises(ValidationError):
        placeholders_check("{{ echeance.amount }}")


def test_an_instalment_template_is_refused_outside_its_reminder(promised, owner):
    from contacts.messaging.services import CommunicationError, email_build

    point = promised.contact_points.get(kind="email")
    with pytest.raises(CommunicationError, match="ne sert qu'aux rappels d'échéance"):
        email_build(
            dossier=promised, point=point, subject="", body="", template=template(), user=owner
        )
    built = email_build(
        dossier=promised,
        point=point,
        subject="",
        body="",
        template=template(),
        user=owner,
        extra_values={"echeance_montant": "100,00 €", "echeance_date": "18/12/2026"},
    )
    assert "18/12/2026" in built.subject


# --- The file and the dry run ----------------------------------------------------------


def test_file_panel_shows_the_upcoming_then_the_planned_reminder(promised, owner_client):
    with time_machine.travel(at(datetime.date(2026, 12, 2), 10), tick=False):
        plan()
        panel = dossier_panel(promised)
        upcoming = panel["relance_instalment"]
        assert upcoming.day == datetime.date(2026, 12, 15) and upcoming.due_at is None
        owner_client.force_login(promised.assigned_to)
        html = owner_client.get(reverse("dossiers:detail", args=[promised.pk])).content.decode()
    assert "Rappel avant échéance le 15/12/2026" in html
    assert "pour l'échéance de 100,00\u00a0€ du 18/12/2026" in html
    assert "Les rappels d'échéance de la promesse partent quand même." in html
    with time_machine.travel(at(datetime.date(2026, 12, 15), 7), tick=False):
        plan()
        planned = dossier_panel(promised)["relance_instalment"]
    assert planned.due_at == at(datetime.date(2026, 12, 15), 8, 0)
    assert planned.state_label == "planifiée"
    # The regular next step is still the held first e-mail, not the reminder.
    assert dossier_panel(promised)["relance_next"].label == "E-mail de rappel courtois"


def test_panel_is_two_queries_with_a_promise(promised, django_assert_num_queries):
    # The run, then its open actions (issue 15: cheaper than twelve subqueries).
    with time_machine.travel(at(datetime.date(2026, 12, 15), 7), tick=False):
        plan()
        assert reminders(promised).count() == 1
        with django_assert_num_queries(2):
            dossier_panel(promised)


def test_dry_run_lists_the_reminder_of_the_day(promised, capsys):
    with time_machine.travel(at(datetime.date(2026, 12, 14), 7), tick=False):
        plan()
        call_command("relances", "--dry-run", "--date", "2026-12-15")
    out = capsys.readouterr().out
    assert "ECH" in out and "Rappel avant échéance (échéance du 18/12/2026" in out
    assert PlannedAction.objects.filter(instalment__isnull=False).count() == 0
