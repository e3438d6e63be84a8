"""Writes on files. Every function is one transaction and writes its journal entry."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from recouvrement.importing.bulk import ids_condition, new_instance, null_safe_differs

from .models import Dossier, JournalEntry, Note, Receivable
from .objectivity import check_objectivity

Action = JournalEntry.Action
ActorKind = JournalEntry.ActorKind


def journal_entry_build(
    *,
    dossier: Dossier | int,
    action: str,
    message: str,
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    data: dict[str, Any] | None = None,
) -> JournalEntry:
    """One journal entry, not saved yet: ``journal_record`` saves it, the imports
    build many and insert them together (``dossiers.importers.journal_insert``).
    Built without ``Model.__init__``, which would cost more than the row's INSERT."""
    if actor_kind is None:
        actor_kind = ActorKind.USER if actor is not None else ActorKind.SYSTEM
    return new_instance(
        JournalEntry,
        dossier_id=dossier if isinstance(dossier, int) else dossier.pk,
        action=action,
        message=message,
        actor_id=actor.pk if actor is not None else None,
        actor_kind=actor_kind,
        data=data if data is not None else {},
    )


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
    entry = journal_entry_build(
        dossier=dossier,
        action=action,
        message=message,
        actor=actor,
        actor_kind=actor_kind,
        data=data,
    )
    entry.save(force_insert=True)
    return entry


def user_label(user: AbstractBaseUser | None) -> str:
    if user is None:
        return _("système")
    return user.get_full_name() or user.get_username()


def dossier_lock(*, dossier_id: int) -> Dossier:
    """Lock the file row: every change to a file's contact means serialises on it.
    ``FOR NO KEY UPDATE``: it serialises the services (and the imports'
    ``bulk.lock_rows``) as well as ``FOR UPDATE`` would, without making them wait for
    a transaction that only inserts rows referring to the file (an import's contacts,
    whose foreign-key checks take ``FOR KEY SHARE``), nor making those wait."""
    return Dossier.objects.select_for_update(no_key=True).get(pk=dossier_id)


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


def dossier_refresh_totals(
    *, dossier_ids: Iterable[int] | None = None, with_receivables_only: bool = False
) -> None:
    """The totals of files (all of them without ``dossier_ids``): the outstanding
    amount is the sum of the balances, the oldest due date that of the unpaid ones.

    One grouped aggregate joined to the files (correlated subqueries, two per file,
    cost more than the INSERT of an import's batch); a file whose totals do not
    change is not written (each write of a file row costs its indexes). A file left
    without receivables goes back to zero, unless the caller knows there is none
    (``with_receivables_only``: an import of receivables, which deletes nothing).
    """
    quote = connection.ops.quote_name
    dossier = quote(Dossier._meta.db_table)
    receivable = quote(Receivable._meta.db_table)
    ids = None if dossier_ids is None else sorted(set(dossier_ids))
    if ids is not None and not ids:
        return
    among_receivables, among_files, params, files_params = "", "", [], []
    if ids is not None:
        condition, values = ids_condition(f"{receivable}.dossier_id", ids)
        among_receivables, params = f"WHERE {condition} ", values
        condition, files_params = ids_condition(f"{dossier}.id", ids)
        # The files by their key too: else the join may read the whole table.
        among_files = f"{condition} AND "
    differs = null_safe_differs()
    # Only quoted model table names go into the SQL; the ids are parameters.
    statements = [
        (
            f"UPDATE {dossier} SET outstanding = t.total, oldest_due_date = t.oldest "  # noqa: S608
            f"FROM (SELECT dossier_id, SUM(balance) AS total, "
            f"MIN(due_date) FILTER (WHERE balance > 0) AS oldest FROM {receivable} "
            f"{among_receivables}GROUP BY dossier_id) AS t "
            f"WHERE {among_files}{dossier}.id = t.dossier_id "
            f"AND ({dossier}.outstanding <> t.total "
            f"OR {dossier}.oldest_due_date {differs} t.oldest)",
            [*params, *files_params],
        )
    ]
    if not with_receivables_only:
        statements.append(
            (
                f"UPDATE {dossier} SET outstanding = 0, oldest_due_date = NULL "  # noqa: S608
                f"WHERE {among_files}NOT EXISTS (SELECT 1 FROM {receivable} "
                f"WHERE {receivable}.dossier_id = {dossier}.id) "
                f"AND ({dossier}.outstanding <> 0 OR {dossier}.oldest_due_date IS NOT NULL)",
                files_params,
            )
        )
    with connection.cursor() as cursor:
        for sql, statement_params in statements:
            cursor.execute(sql, statement_params)


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
