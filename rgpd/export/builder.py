"""The content of an access export, as a list of sections.

Each section is one function of the export context returning an ``ExportSection``:
the JSON holds its items as they are, the PDF lays them out. Adding what another
app holds about a person (payments, promises: SPEC §13) is one function appended
to ``SECTIONS``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Communication, Contact
from dossiers.models import JournalEntry
from dossiers.services import user_label
from paiements.models import Payment, Promise
from pieces.models import Piece

from .. import retention, selectors

Action = JournalEntry.Action


@dataclass
class ExportSection:
    key: str
    title: str
    items: list[dict[str, Any]]
    intro: str = ""
    compact: bool = False  # in the PDF, one line an item (a journal, the notes)


@dataclass
class ExportContext:
    scope: selectors.PersonScope
    generated_at: datetime.datetime
    generated_by: str
    piece_paths: dict[int, str] = field(default_factory=dict)  # piece pk -> path in the ZIP

    @cached_property
    def journal(self) -> list[JournalEntry]:
        return selectors.person_journal(self.scope)

    @cached_property
    def communications(self) -> list[Communication]:
        return selectors.person_communications(self.scope)

    @cached_property
    def pieces(self) -> list[Piece]:
        return selectors.person_pieces(self.communications)


def _dt(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _d(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _data(entry: JournalEntry) -> dict[str, Any]:
    return entry.data if isinstance(entry.data, dict) else {}


def _origin_of_contact(scope: selectors.PersonScope, contact: Contact) -> str:
    for entry in scope.journal:
        data = _data(entry)
        if entry.action == Action.CONTACT_CREATED and data.get("contact") == contact.pk:
            return _("saisi par %(user)s") % {"user": entry.actor_label}
    return (
        _("import (%(key)s)") % {"key": contact.external_key}
        if contact.external_key
        else _("import")
    )


def identity_section(ctx: ExportContext) -> ExportSection:
    items = []
    dossiers = {d.pk: d for d in ctx.scope.dossiers}
    for contact in ctx.scope.contacts:
        items.append(
            {
                "dossier": dossiers[contact.dossier_id].reference,
                "civility": contact.civility,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "function": contact.function,
                "observation": contact.observation,
                "external_key": contact.external_key,
                "created_at": _dt(contact.created_at),
                "origin": _origin_of_contact(ctx.scope, contact),
            }
        )
    return ExportSection("identity", _("Identité et observation"), items)


def processing_section(ctx: ExportContext) -> ExportSection:
    months = retention.closed_file_retention_months()
    items = [
        {
            "purpose": _(
                "Recouvrement amiable des créances impayées du créancier : relances, "
                "échanges avec la personne, suivi des paiements."
            ),
            "legal_basis": _(
                "Exécution du contrat dont la créance est issue et intérêt légitime du "
                "créancier à être payé (article 6, paragraphe 1, b et f, du RGPD)."
            ),
            "recipients": _(
                "Les chargés et responsables de recouvrement du service ; les prestataires "
                "d'envoi de courriers, d'e-mails et de SMS pour les messages envoyés."
            ),
            "retention": _(
                "Tant que le dossier est ouvert, puis %(months)d mois après son dernier "
                "événement une fois clôturé, sauf litige, action externe ou judiciaire ou "
                "promesse de paiement en cours ; les montants sont conservés."
            )
            % {"months": months},
            "sources": _(
                "Le créancier (import des dossiers, contacts et créances), les chargés de "
                "recouvrement (saisie), et les échanges avec la personne (preuves)."
            ),
            "rights": _(
                "Accès, rectification, effacement, limitation, opposition : auprès du "
                "service recouvrement ; réclamation auprès de la CNIL (www.cnil.fr)."
            ),
        }
    ]
    return ExportSection("processing", _("Pourquoi ces données sont traitées"), items)


def _evidence_item(evidence) -> dict[str, Any]:
    return {
        "kind": evidence.get_kind_display(),
        "occurred_at": _dt(evidence.occurred_at),
        "source": evidence.get_source_display(),
        "source_detail": evidence.source_detail,
        "recorded_by": user_label(evidence.recorded_by) if evidence.recorded_by else "",
        "comment": evidence.comment,
    }


def means_section(ctx: ExportContext) -> ExportSection:
    items = []
    history = [e for e in ctx.journal if _data(e).get("point") in ctx.scope.own_point_ids]
    for point in selectors.person_points(ctx.scope):
        items.append(
            {
                "kind": point.get_kind_display(),
                "value": point.display_value,
                "phone_type": point.get_phone_type_display() if point.phone_type else "",
                "status": point.get_status_display(),
                "is_default": point.is_default,
                "created_at": _dt(point.created_at),
                "origin": _("saisi par %(user)s") % {"user": user_label(point.created_by)}
                if point.created_by
                else _("import"),
                "evidence": [_evidence_item(e) for e in point.evidences.all()],
                "history": [
                    {
                        "at": _dt(e.created_at),
                        "action": e.get_action_display(),
                        "message": ctx.scope.redact(e.message),
                    }
                    for e in history
                    if _data(e).get("point") == point.pk
                ],
            }
        )
    return ExportSection("means", _("Moyens de contact et leur qualification"), items)


def files_section(ctx: ExportContext) -> ExportSection:
    items = []
    for dossier in ctx.scope.dossiers:
        items.append(
            {
                "reference": dossier.reference,
                "name": ctx.scope.redact(dossier.name),
                "kind": dossier.get_kind_display(),
                "status": dossier.get_status_display(),
                "assigned_to": user_label(dossier.assigned_to) if dossier.assigned_to else "",
                "outstanding": str(dossier.outstanding),
                "receivables": [
                    {
                        "number": r.number,
                        "issue_date": _d(r.issue_date),
                        "due_date": _d(r.due_date),
                        "amount": str(r.amount),
                        "balance": str(r.balance),
                    }
                    for r in dossier.receivables.all()
                ],
            }
        )
    return ExportSection("files", _("Dossiers et créances"), items)


def journal_section(ctx: ExportContext) -> ExportSection:
    references = {d.pk: d.reference for d in ctx.scope.dossiers}
    items = [
        {
            "dossier": references[e.dossier_id],
            "at": _dt(e.created_at),
            "action": e.get_action_display(),
            "by": e.actor_label,
            "message": ctx.scope.redact(e.message),
        }
        for e in ctx.journal
    ]
    return ExportSection(
        "journal",
        _("Historique des dossiers"),
        items,
        intro=_("Les événements qui concernent la personne ou le dossier dans son ensemble."),
        compact=True,
    )


def notes_section(ctx: ExportContext) -> ExportSection:
    references = {d.pk: d.reference for d in ctx.scope.dossiers}
    items = [
        {
            "dossier": references[n.dossier_id],
            "at": _dt(n.created_at),
            "by": user_label(n.author),
            "text": ctx.scope.redact(n.text),
        }
        for n in selectors.person_notes(ctx.scope)
    ]
    return ExportSection("notes", _("Bloc-notes"), items, compact=True)


def communications_section(ctx: ExportContext) -> ExportSection:
    items = []
    for comm in ctx.communications:
        items.append(
            {
                "at": _dt(comm.created_at),
                "channel": comm.get_channel_display(),
                "direction": comm.get_direction_display(),
                "outcome": comm.get_outcome_display() if comm.outcome else "",
                "status": comm.get_status_display(),
                "recipient": comm.recipient,
                "subject": comm.subject,
                "body": comm.body,
                "by": user_label(comm.sent_by) if comm.sent_by else "",
                "copy": ctx.piece_paths.get(comm.piece_id, "") if comm.piece_id else "",
            }
        )
    return ExportSection(
        "communications",
        _("Communications"),
        items,
        intro=_("Chaque copie est jointe dans le dossier « pieces » de l'archive."),
    )


def payments_section(ctx: ExportContext) -> ExportSection:
    """Payments received on the person's files (SPEC §13), with what they settled."""
    references = {d.pk: d.reference for d in ctx.scope.dossiers}
    payments = (
        Payment.objects.filter(dossier_id__in=list(references))
        .prefetch_related("allocations__receivable")
        .order_by("date", "id")
    )
    items = [
        {
            "dossier": references[p.dossier_id],
            "date": _d(p.date),
            "amount": str(p.amount),
            "mode": p.get_mode_display(),
            "reference": p.reference,
            "allocated_to": [
                {"invoice": a.receivable.number, "amount": str(a.amount)}
                for a in p.allocations.all()
            ],
            "credit": str(p.unallocated),
        }
        for p in payments
    ]
    return ExportSection("payments", _("Paiements"), items)


def promises_section(ctx: ExportContext) -> ExportSection:
    """Promises to pay and their instalments on the person's files."""
    references = {d.pk: d.reference for d in ctx.scope.dossiers}
    promises = (
        Promise.objects.filter(dossier_id__in=list(references))
        .prefetch_related("instalments")
        .order_by("start_date", "id")
    )
    items = [
        {
            "dossier": references[p.dossier_id],
            "date": _d(p.start_date),
            "status": p.get_status_display(),
            "comment": ctx.scope.redact(p.comment),
            "instalments": [
                {
                    "due_date": _d(i.due_date),
                    "amount": str(i.amount),
                    "state": i.get_state_display(),
                }
                for i in p.instalments.all()
            ],
        }
        for p in promises
    ]
    return ExportSection("promises", _("Promesses de paiement"), items)


Section = Callable[[ExportContext], ExportSection]

SECTIONS: list[Section] = [
    identity_section,
    processing_section,
    means_section,
    files_section,
    journal_section,
    notes_section,
    communications_section,
    payments_section,
    promises_section,
]


def export_build(ctx: ExportContext) -> list[ExportSection]:
    return [section(ctx) for section in SECTIONS]


def export_document(ctx: ExportContext, sections: list[ExportSection]) -> dict[str, Any]:
    """The JSON of the export: what the PDF shows, for a machine."""
    return {
        "format": "recouvrement.acces-donnees-personnelles/1",
        "generated_at": _dt(ctx.generated_at),
        "generated_by": ctx.generated_by,
        "controller": list(getattr(settings, "LETTER_SENDER_LINES", [])),
        "person": ctx.scope.contact.full_name,
        "sections": {s.key: s.items for s in sections},
    }
