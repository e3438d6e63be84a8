"""Retention: closed files lose their personal data on time, unless a hold applies."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services as contact_services
from contacts.messaging import services as messaging
from contacts.models import Communication, Contact, ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry, Note, Receivable
from dossiers.services import dossier_set_status, note_create
from pieces.models import Piece
from rgpd import purge, services
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.UTC)
AFTER_61_MONTHS = datetime.datetime(2031, 2, 16, 10, 0, tzinfo=datetime.UTC)
AFTER_59_MONTHS = datetime.datetime(2030, 12, 16, 10, 0, tzinfo=datetime.UTC)
PERSONAL = ["Jeanne", "Martin", "06 11 22 33 44", "+33611223344", "martin@example.fr"]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


def closed_file(reference: str, user, *, close=True) -> Dossier:
    """A file with a person, her means and evidence, an e-mail and its copy, a note."""
    dossier = factories.DossierFactory(
        reference=reference, name="Jeanne Martin", kind=Dossier.Kind.INDIVIDUAL
    )
    factories.ReceivableFactory(
        dossier=dossier,
        number=f"{reference}-F1",
        amount=Decimal("300.00"),
        balance=Decimal("120.00"),
    )
    person = contact_services.contact_create(
        dossier=dossier,
        user=user,
        first_name="Jeanne",
        last_name="Martin",
        observation="Joignable le matin.",
        external_key=f"K-{reference}",
        points=[("phone", {"phone": "06 11 22 33 44"}), ("email", {"email": "martin@example.fr"})],
    )
    phone = person.points.get(kind="phone")
    email = person.points.get(kind="email")
    messaging.call_report_record(
        point=phone, outcome="abouti", comment="Jeanne rappellera", user=user
    )
    messaging.email_send(
        dossier=dossier, point=email, subject="Dossier", body="Bonjour Jeanne Martin", user=user
    )
    note_create(dossier=dossier, text="Jeanne Martin propose 20 € par mois.", user=user)
    if close:
        dossier_set_status(dossier=dossier, status=Dossier.Status.CLOSED, user=user)
    return dossier


def is_purged(dossier: Dossier) -> bool:
    return JournalEntry.objects.filter(
        dossier=dossier, action=JournalEntry.Action.PERSONAL_DATA_PURGED
    ).exists()


def personal_text(dossier: Dossier) -> str:
    """Every text the database holds for a file, where personal data could hide."""
    dossier.refresh_from_db()
    parts = [dossier.name, dossier.next_action]
    parts += [m + str(d) for m, d in dossier.journal.values_list("message", "data")]
    parts += list(Note.objects.filter(dossier=dossier).values_list("text", flat=True))
    for c in Contact.objects.filter(dossier=dossier):
        parts += [c.first_name, c.last_name, c.observation, c.external_key, c.function]
    for comm in Communication.objects.filter(dossier=dossier):
        parts += [comm.recipient, comm.subject, comm.body]
    parts += [p.display_value for p in ContactPoint.objects.filter(dossier=dossier)]
    parts += list(Evidence.objects.filter(point__dossier=dossier).values_list("comment", flat=True))
    return "\n".join(parts)


def snapshot() -> list[tuple]:
    """The state of every file, without ids or storage names (to compare two runs)."""
    state = []
    for d in Dossier.objects.order_by("reference"):
        state.append(
            (
                d.reference,
                d.name,
                str(d.outstanding),
                sorted(d.receivables.values_list("number", "amount", "balance")),
                sorted(d.journal.values_list("action", "message", "created_at")),
                sorted(Note.objects.filter(dossier=d).values_list("text", flat=True)),
                sorted(Contact.objects.filter(dossier=d).values_list("last_name", "observation")),
                ContactPoint.objects.filter(dossier=d).count(),
                Piece.objects.filter(dossier=d).count(),
                sorted(Communication.objects.filter(dossier=d).values_list("channel", "body")),
            )
        )
    return state


def stored_files(dossier: Dossier) -> list[str]:
    return [p.file.name for p in Piece.objects.filter(dossier=dossier)]


def test_a_closed_file_past_its_period_is_purged_and_keeps_its_amounts(owner):
    dossier = closed_file("RG-A", owner)
    names = stored_files(dossier)
    assert names and all(default_storage.exists(n) for n in names)
    assert "Jeanne" in personal_text(dossier)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        totals = purge.personal_data_purge()
    assert (totals.files, totals.contacts, totals.points, totals.pieces) == (1, 1, 2, 1)
    text = personal_text(dossier)
    for value in PERSONAL:
        assert value not in text
    assert not any(default_storage.exists(n) for n in names)
    assert dossier.name == "Dossier purgé RG-A"
    receivable = Receivable.objects.get(dossier=dossier)
    assert (receivable.amount, receivable.balance) == (Decimal("300.00"), Decimal("120.00"))
    assert dossier.outstanding == Decimal("120.00")
    tombstone = dossier.journal.get(action=JournalEntry.Action.PERSONAL_DATA_PURGED)
    assert tombstone.message.startswith("Données personnelles purgées le 16/02/2031")
    # What happened, and when, is still told: only the names are gone.
    assert dossier.journal.filter(action=JournalEntry.Action.CALL, message="Appel").exists()


def test_dry_run_lists_what_and_why_and_changes_nothing(owner, manager, capsys):
    closed_file("RG-A", owner)
    held = closed_file("RG-B", owner)
    services.legal_hold_place(dossier=held, reason="Assignation du 10/02", user=manager)
    closed_file("RG-C", owner, close=False)
    before = snapshot()
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        call_command("rgpd_purge", "--dry-run")
    out = capsys.readouterr().out
    assert "À purger  RG-A : clôturé le 15/01/2026, dernier événement le 15/01/2026" in out
    assert "Conservé  RG-B" in out and "gel (gel de conservation posé)" in out
    assert "RG-C" not in out
    assert "1 dossier(s) à purger, 1 conservé(s)" in out
    assert snapshot() == before


def test_a_held_file_survives_and_is_purged_once_released(owner, manager):
    free = closed_file("RG-A", owner)
    held = closed_file("RG-B", owner)
    hold = services.legal_hold_place(dossier=held, reason="Litige prud'homal", user=manager)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        assert purge.personal_data_purge().files == 1
        assert is_purged(free) and not is_purged(held)
        assert "Jeanne" in personal_text(held)
        services.legal_hold_release(hold=hold, user=manager)
        assert purge.personal_data_purge().files == 1
    assert is_purged(held)
    assert "Jeanne" not in personal_text(held)


def test_a_file_judiciaire_or_open_is_never_purged(owner):
    lawsuit = closed_file("RG-J", owner, close=False)
    dossier_set_status(dossier=lawsuit, status=Dossier.Status.LITIGATION, user=owner)
    closed_file("RG-O", owner, close=False)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        assert purge.personal_data_purge().files == 0


def test_the_period_runs_from_the_last_event_of_the_closed_file(owner):
    dossier = closed_file("RG-A", owner)
    with time_machine.travel(AFTER_59_MONTHS, tick=False):
        assert purge.personal_data_purge().files == 0
    # Worked on again a year after closing: the clock starts again from then.
    with time_machine.travel(T0 + datetime.timedelta(days=365), tick=False):
        note_create(dossier=dossier, text="Appel du créancier.", user=owner)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        assert purge.personal_data_purge().files == 0
    with time_machine.travel(AFTER_61_MONTHS + datetime.timedelta(days=366), tick=False):
        assert purge.personal_data_purge().files == 1


def test_purge_is_idempotent(owner, capsys):
    closed_file("RG-A", owner)
    closed_file("RG-B", owner)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        call_command("rgpd_purge")
        first = snapshot()
        call_command("rgpd_purge")
    assert snapshot() == first
    out = capsys.readouterr().out
    assert "Purge terminée : 2 dossier(s)" in out and "Purge terminée : 0 dossier(s)" in out


def test_no_query_per_file(owner):
    def queries(count: int, prefix: str) -> int:
        for i in range(count):
            closed_file(f"{prefix}-{i}", owner)
        with (
            time_machine.travel(AFTER_61_MONTHS, tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            assert purge.personal_data_purge().files == count
        return len(captured)

    assert queries(2, "S") == queries(6, "L")


def test_interrupted_then_resumed_ends_as_an_uninterrupted_run(owner, monkeypatch):
    def build():
        for reference in ("RG-1", "RG-2", "RG-3"):
            closed_file(reference, owner)

    build()
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        purge.personal_data_purge(batch_size=1)
    expected = snapshot()
    Dossier.objects.all().delete()

    build()
    calls = []
    real_delete = purge.storage_delete

    def failing_delete(names):
        calls.append(names)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second batch
        real_delete(names)

    monkeypatch.setattr(purge, "storage_delete", failing_delete)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        with pytest.raises(KeyboardInterrupt):
            purge.personal_data_purge(batch_size=1)
        # The first batch is committed, the second rolled back as a whole.
        purged = [d.reference for d in Dossier.objects.order_by("reference") if is_purged(d)]
        assert purged == ["RG-1"]
        assert "Jeanne" in personal_text(Dossier.objects.get(reference="RG-2"))
        assert purge.personal_data_purge(batch_size=1).files == 2
    assert snapshot() == expected


def test_a_new_hold_check_is_one_function(owner, monkeypatch, capsys):
    """How the payments app adds « litige en cours » or « promesse impayée »."""
    from rgpd import retention

    disputed = closed_file("RG-D", owner)
    closed_file("RG-E", owner)
    check = retention.HoldCheck("litige en cours", lambda files: files.filter(pk=disputed.pk))
    monkeypatch.setattr(retention, "HOLD_CHECKS", [*retention.HOLD_CHECKS, check])
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        call_command("rgpd_purge", "--dry-run")
        out = capsys.readouterr().out
        assert "Conservé  RG-D" in out and "gel (litige en cours)" in out
        assert purge.personal_data_purge().files == 1
    assert not is_purged(disputed)


def test_an_open_dispute_holds_a_closed_file(owner):
    from paiements.models import DisputeReason
    from paiements.services import dispute_open
    from rgpd.retention import hold_reasons

    disputed = closed_file("RG-L", owner, close=False)
    dispute_open(
        dossier=disputed,
        receivables=list(disputed.receivables.all()),
        reason=DisputeReason.objects.filter(active=True).first(),
        follow_up_date=T0.date(),
        user=owner,
    )
    dossier_set_status(dossier=disputed, status=Dossier.Status.CLOSED, user=owner)
    free = closed_file("RG-M", owner)
    with time_machine.travel(AFTER_61_MONTHS, tick=False):
        assert purge.personal_data_purge().files == 1
        assert is_purged(free) and not is_purged(disputed)
        assert hold_reasons(Dossier.objects.filter(pk=disputed.pk)) == {
            disputed.pk: ["litige ouvert"]
        }
