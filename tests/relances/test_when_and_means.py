"""Windows, public holidays, cap and gap; only the default means, and what happens
when there is none."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from contacts.models import Communication, ContactPoint
from contacts.services import contact_point_set_default
from relances.calendar import after_cap_and_gap, first_allowed_moment, next_allowed_moment
from relances.models import PlannedAction, Scenario, ScenarioStep
from relances.planner import plan
from relances.selectors import worklist
from tests import factories

from .conftest import PARIS, at, default_point, due_dossier

pytestmark = pytest.mark.django_db


def moment(y, m, d, h=10, mi=0):
    return datetime.datetime(y, m, d, h, mi, tzinfo=PARIS)


def test_sms_window_weekdays_and_lunch_break():
    # Saturday → Monday 10:00; 13:30 → 14:00; 20:30 → next day 10:00.
    assert next_allowed_moment("sms", moment(2026, 1, 10, 11)) == moment(2026, 1, 12, 10)
    assert next_allowed_moment("sms", moment(2026, 1, 12, 13, 30)) == moment(2026, 1, 12, 14)
    assert next_allowed_moment("sms", moment(2026, 1, 12, 20, 30)) == moment(2026, 1, 13, 10)
    assert next_allowed_moment("sms", moment(2026, 1, 12, 11)) == moment(2026, 1, 12, 11)


def test_never_on_french_public_holidays():
    # 01/05/2026 is a Friday (Fête du travail): the e-mail waits for Monday 04/05.
    assert next_allowed_moment("email", moment(2026, 5, 1, 9)) == moment(2026, 5, 4, 8)
    # 14/07/2026, a Tuesday.
    assert next_allowed_moment("letter", moment(2026, 7, 14, 9)) == moment(2026, 7, 15, 8)
    # Christmas and Easter Monday (06/04/2026) too.
    assert next_allowed_moment("sms", moment(2026, 12, 25, 11)) == moment(2026, 12, 28, 10)
    assert next_allowed_moment("sms", moment(2026, 4, 6, 11)) == moment(2026, 4, 7, 10)


def test_gap_between_two_automatic_contacts(settings):
    last = moment(2026, 1, 12, 10)
    assert after_cap_and_gap(moment(2026, 1, 13, 10), [last]) == moment(2026, 1, 15, 10)


def test_cap_of_contacts_in_thirty_days(settings):
    settings.RELANCES_CAP = 4
    sent = [moment(2026, 1, d) for d in (2, 6, 12, 16)]
    # A fifth contact waits until the oldest of the four is 30 days old.
    assert after_cap_and_gap(moment(2026, 1, 20), sent) == moment(2026, 2, 1)
    # …then the first working moment for an e-mail (01/02 is a Sunday).
    assert first_allowed_moment("email", moment(2026, 1, 20), sent) == moment(2026, 2, 2, 8)


def test_cap_and_gap_in_a_dense_scenario(owner):
    """A scenario of daily e-mails: the gap spaces them three days apart."""
    template = factories_email_template()
    scenario = Scenario.objects.create(name="Serré", priority=1)
    for order in range(1, 7):
        ScenarioStep.objects.create(
            scenario=scenario,
            order=order,
            label=f"E-mail {order}",
            delay_days=1,
            action="email",
            template=template,
            mode="auto",
        )
    due = datetime.date(2026, 1, 5)
    dossier = due_dossier(owner, due=due)
    for offset in range(0, 40):
        with time_machine.travel(at(due + datetime.timedelta(days=offset)), tick=False):
            plan()
    days = sorted(
        c.created_at.astimezone(PARIS).date() for c in Communication.objects.filter(dossier=dossier)
    )
    assert all((b - a).days >= 3 for a, b in zip(days, days[1:], strict=False))
    # Never more than four in any thirty days.
    for first in days:
        assert sum(1 for d in days if 0 <= (d - first).days < 30) <= 4
    assert len(days) >= 5


def factories_email_template():
    from contacts.models import MessageTemplate

    return MessageTemplate.objects.get(channel="email", name="Rappel courtois")


def test_default_changed_mid_scenario_is_used_from_the_next_send(owner):
    due = datetime.date(2026, 1, 5)
    dossier = due_dossier(owner, due=due, means=("email", "postal"))
    first_mobile = default_point(dossier, "phone", phone="+33611111111")
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()
    new_mobile = factories.ContactPointFactory(
        contact=first_mobile.contact,
        kind="phone",
        phone="+33622222222",
        status=ContactPoint.Status.VALID,
    )
    contact_point_set_default(point=new_mobile, user=owner)
    with time_machine.travel(at(datetime.date(2026, 1, 22)), tick=False):
        plan()
    sms = Communication.objects.get(dossier=dossier, channel="sms")
    assert sms.point == new_mobile


def test_no_default_email_becomes_a_contact_search_task(owner):
    due = datetime.date(2026, 1, 5)
    dossier = due_dossier(owner, due=due, means=("phone", "postal"))
    # A pending e-mail and a valid non-default one are never used.
    contact = dossier.contacts.first()
    factories.ContactPointFactory(contact=contact, kind="email", status="pending")
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()
        [item] = worklist(user=owner)
    assert not Communication.objects.filter(dossier=dossier).exists()
    assert item.kind == "contact_search"
    assert item.kind_label == "Rechercher les coordonnées"
    assert "pas d'e-mail par défaut" in item.detail
    assert [a.label for a in item.actions] == ["Rechercher les coordonnées", "Envoyer", "Ignorer"]
    action = PlannedAction.objects.get(pk=item.extra["action"])
    assert action.contact_search and action.state == "a_confirmer"


def test_sms_step_with_a_landline_default(owner):
    due = datetime.date(2026, 1, 5)
    dossier = due_dossier(owner, due=due, means=("email", "postal"))
    default_point(dossier, "phone", phone="+33145454545", phone_type="fixe")
    for day in (datetime.date(2026, 1, 12), datetime.date(2026, 1, 22)):
        with time_machine.travel(at(day), tick=False):
            plan()
    assert not Communication.objects.filter(dossier=dossier, channel="sms").exists()
    action = PlannedAction.objects.get(dossier=dossier, step__action="sms")
    assert action.contact_search
    with time_machine.travel(at(datetime.date(2026, 1, 22)), tick=False):
        [item] = worklist(user=owner)
    assert "n'est pas un mobile" in item.detail


def test_switch_off_sends_nothing(owner, settings):
    settings.RELANCES_AUTO_SEND = False
    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        report = plan()
    assert report.enqueued == 0
    assert not Communication.objects.filter(dossier=dossier).exists()
    assert PlannedAction.objects.get(dossier=dossier).state == "planifiee"


def test_bounce_imported_after_the_first_e_mail_invalidates_it_for_the_next(owner):
    from contacts.services import evidence_record

    scenario = Scenario.objects.create(name="Deux e-mails", priority=1)
    for order in (1, 2):
        ScenarioStep.objects.create(
            scenario=scenario,
            order=order,
            label=f"E-mail {order}",
            delay_days=5,
            action="email",
            template=factories_email_template(),
            mode="auto",
        )
    # A postal address stays valid: the file keeps « en cours » and its scenario.
    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5), means=("email", "postal"))
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()
    email = dossier.contact_points.get(kind="email")
    evidence_record(point=email, kind="bounce", source="import")
    email.refresh_from_db()
    assert email.status == ContactPoint.Status.INVALID and not email.is_default
    with time_machine.travel(at(datetime.date(2026, 1, 19)), tick=False):
        plan()
        [item] = worklist(user=owner)
    assert Communication.objects.filter(dossier=dossier).count() == 1
    assert item.kind == "contact_search"


def test_no_valid_means_left_holds_the_scenario_in_verification(owner):
    from contacts.services import evidence_record

    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5), means=("email",))
    evidence_record(point=dossier.contact_points.get(), kind="bounce", source="import")
    dossier.refresh_from_db()
    assert dossier.status == "verification_coordonnees"  # the existing rule
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()
    assert not Communication.objects.filter(dossier=dossier).exists()
