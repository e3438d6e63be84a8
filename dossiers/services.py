"""Writes on files. Every function is one transaction and writes its journal entry."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .models import Dossier, JournalEntry, Note, Receivable
from .objectivity import check_objectivity

Action = JournalEntry.Action
ActorKind = JournalEntry.ActorKind


def journal_record(
    *,
    dossier: Dossier | int,
    action: str,
    message: str,
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    data: dict[str, Any] | None = None,
) -> JournalEntry:
    """Append one entry to a file's journal. Call it inside the service's transaction."""
    if actor_kind is None:
        actor_kind = ActorKind.USER if actor is not None else ActorKind.SYSTEM
    dossier_id = dossier if isinstance(dossier, int) else dossier.pk
    return JournalEntry.objects.create(
        dossier_id=dossier_id,
        action=action,
        message=message,
        actor=actor,
        actor_kind=actor_kind,
        data=data or {},
    )


def user_label(user: AbstractBaseUser | None) -> str:
    if user is None:
        return _("système")
    return user.get_full_name() or user.get_username()


def dossier_lock(*, dossier_id: int) -> Dossier:
    """Lock the file row: every change to a file's contact means serialises on it."""
    return Dossier.objects.select_for_update().get(pk=dossier_id)


@transaction.atomic
def dossier_reassign(*, dossier: Dossier, assignee, user) -> Dossier:
    dossier = dossier_lock(dossier_id=dossier.pk)
    previous = dossier.assigned_to
    if previous == assignee:
        return dossier
    dossier.assigned_to = assignee
    dossier.save(update_fields=["assigned_to", "updated_at"])
    journal_record(
        dossier=dossier,
        action=Action.REASSIGNED,
        actor=user,
        message=_("Dossier réaffecté de %(old)s à %(new)s.")
        % {"old": user_label(previous) if previous else _("personne"), "new": user_label(assignee)},
        data={"from": previous.pk if previous else None, "to": assignee.pk if assignee else None},
    )
    return dossier


@transaction.atomic
def dossier_set_status(*, dossier: Dossier, status: str, user=None, reason: str = "") -> Dossier:
    dossier = dossier_lock(dossier_id=dossier.pk)
    if dossier.status == status:
        return dossier
    previous = dossier.get_status_display()
    dossier.status = status
    dossier.save(update_fields=["status", "updated_at"])
    message = _("Statut : %(old)s → %(new)s.") % {
        "old": previous,
        "new": dossier.get_status_display(),
    }
    if reason:
        message = f"{message} {reason}"
    journal_record(
        dossier=dossier,
        action=Action.STATUS_CHANGED,
        actor=user,
        message=message,
        data={"status": status},
    )
    return dossier


@transaction.atomic
def dossier_plan_next_action(
    *, dossier: Dossier, label: str, date: datetime.date | None, user
) -> Dossier:
    """Say what to do next on a file, and when."""
    dossier = dossier_lock(dossier_id=dossier.pk)
    if dossier.next_action == label and dossier.next_action_date == date:
        return dossier
    dossier.next_action, dossier.next_action_date = label, date
    dossier.save(update_fields=["next_action", "next_action_date", "updated_at"])
    if label or date:
        message = _("Prochaine action : %(label)s%(when)s.") % {
            "label": label or _("(sans libellé)"),
            "when": _(" le %(date)s") % {"date": date.strftime("%d/%m/%Y")} if date else "",
        }
    else:
        message = _("Prochaine action effacée.")
    journal_record(
        dossier=dossier,
        action=Action.NEXT_ACTION,
        actor=user,
        message=message,
        data={"label": label, "date": date.isoformat() if date else None},
    )
    return dossier


def dossier_refresh_totals(*, dossier_ids: Iterable[int] | None = None) -> int:
    """Recompute the outstanding amount and the oldest unpaid due date in one UPDATE."""
    unpaid = Receivable.objects.filter(dossier=OuterRef("pk"), balance__gt=0)
    total = (
        Receivable.objects.filter(dossier=OuterRef("pk"))
        .values("dossier")
        .annotate(s=Sum("balance"))
        .values("s")
    )
    oldest = unpaid.values("dossier").annotate(m=Min("due_date")).values("m")
    queryset = Dossier.objects.all()
    if dossier_ids is not None:
        queryset = queryset.filter(pk__in=list(dossier_ids))
    return queryset.update(
        outstanding=Coalesce(
            Subquery(total), 0, output_field=Dossier._meta.get_field("outstanding")
        ),
        oldest_due_date=Subquery(oldest),
    )


NOTE_EXCERPT_LENGTH = 120


@transaction.atomic
def note_create(*, dossier: Dossier, text: str, user) -> Note:
    """Append a note to the file's bloc-notes. Notes are never edited from the agent UI.

    Raises ValidationError if the note is empty, too long, or not objective.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Écrivez la note avant de l'enregistrer."), code="required")
    max_length = Note._meta.get_field("text").max_length
    if len(text) > max_length:
        raise ValidationError(
            _("La note ne doit pas dépasser %(max)d caractères.") % {"max": max_length},
            code="max_length",
        )
    check_objectivity(text)
    note = Note.objects.create(dossier=dossier, author=user, text=text)
    excerpt = text if len(text) <= NOTE_EXCERPT_LENGTH else text[:NOTE_EXCERPT_LENGTH] + "…"
    journal_record(
        dossier=dossier,
        action=Action.NOTE,
        actor=user,
        message=_("Note ajoutée : « %(excerpt)s »") % {"excerpt": excerpt},
        data={"note": note.pk},
    )
    return note
