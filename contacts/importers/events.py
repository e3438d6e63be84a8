"""The import of qualification events (``manage.py import_evenements``): calls,
returned mail, bounces… from other systems. Each event is recorded as evidence
against the means it names and has the effect ``contacts.rules`` gives it, the
default rule and the status rule included, as when an agent records it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dossiers.importers import chunked, dossier_ids_by_reference, unknown_dossier_error
from recouvrement.importing.base import Counters, Importer
from recouvrement.importing.bulk import insert_objects, new_instance, update_objects
from recouvrement.importing.reader import header_key
from recouvrement.importing.values import parse_datetime, text

from .. import rules
from ..models import ContactPoint, Evidence
from ..normalize import NormalizationError, normalize_email, normalize_phone, postal_part
from .common import EVIDENCE_INSERT, POINT_FIELDS, ContactRulesMixin, lock_dossiers

Kind = ContactPoint.Kind
Status = ContactPoint.Status


class EventCounts(IntEnum):
    """What an event import counts in each file, for its journal entry."""

    EVIDENCES = 0
    VALIDATED = 1
    INVALIDATED = 2
    DEFAULTS_LOST = 3


EVENT_KINDS = (
    Evidence.Kind.CALL_COMPLETED,
    Evidence.Kind.CALL_INCOMING,
    Evidence.Kind.WRONG_NUMBER,
    Evidence.Kind.RECEIPT_ACK,
    Evidence.Kind.LETTER_INCOMING,
    Evidence.Kind.NPAI,
    Evidence.Kind.EMAIL_REPLY,
    Evidence.Kind.BOUNCE,
)
POINT_KIND_OF_EVENT = {
    evidence_kind: point_kind
    for point_kind, kinds in rules.EVIDENCE_KINDS_BY_POINT_KIND.items()
    for evidence_kind in kinds
}
_POSTAL_EVENT = re.compile(r"^(?P<line>.*?)[\s,;-]*\b(?P<postcode>\d{5})\b(?P<rest>[^\d]*)$")


DUPLICATE_EVENT = gettext_lazy(
    "événement en double dans le fichier (même date, type, valeur et dossier)."
)


@dataclass(slots=True)
class EventRow:
    line: int
    occurred_at: datetime.datetime
    kind: str
    point_kind: str
    value: str  # value_key for phones and e-mails; "LINE1|POSTCODE" for postal
    raw_value: str
    reference: str


class EvidenceImporter(ContactRulesMixin, Importer):
    label = gettext_lazy("événements")
    journal_message = gettext_lazy("Import d'événements (%(file)s) : %(changes)s.")
    columns = ("date", "type", "valeur", "reference_dossier")
    required_columns = ("date", "type", "valeur")
    aliases = {"dossier": "reference_dossier", "evenement": "type", "valeur_contact": "valeur"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.per_dossier = Counters(EventCounts)
        # Per means touched: the moment of the newest event of this file applied to it.
        self.latest: dict[int, datetime.datetime] = {}

    def parse_row(self, line: int, row: dict[str, Any]) -> EventRow | None:
        raw_date = row.get("date")
        occurred_at = None
        try:
            occurred_at = parse_datetime(raw_date) if text(raw_date) else None
            if occurred_at is None:
                self.error(line, "date", "", _("la date de l'événement est obligatoire."))
        except ValueError as exc:
            self.error(line, "date", raw_date, str(exc))
        raw_kind = text(row.get("type"))
        kind = header_key(raw_kind)
        if kind not in EVENT_KINDS:
            self.error(
                line,
                "type",
                raw_kind,
                _("type d'événement inconnu (attendu : %(kinds)s).")
                % {"kinds": ", ".join(EVENT_KINDS)},
            )
            kind = None
        reference = text(row.get("reference_dossier"))
        raw_value = text(row.get("valeur"))
        value = ""
        point_kind = POINT_KIND_OF_EVENT.get(kind) if kind else None
        if not raw_value:
            self.error(line, "valeur", "", _("la valeur (téléphone, e-mail ou adresse) manque."))
        elif point_kind == Kind.PHONE:
            try:
                value = normalize_phone(raw_value)[0]
            except NormalizationError as exc:
                self.error(line, "valeur", raw_value, str(exc))
        elif point_kind == Kind.EMAIL:
            try:
                value = normalize_email(raw_value)
            except NormalizationError as exc:
                self.error(line, "valeur", raw_value, str(exc))
        elif point_kind == Kind.POSTAL:
            match = _POSTAL_EVENT.match(raw_value)
            if not match or not match["line"].strip():
                self.error(
                    line,
                    "valeur",
                    raw_value,
                    _(
                        "pour un courrier, la valeur est la première ligne de l'adresse suivie "
                        "du code postal (exemple : « 12 rue de la Paix 75002 »)."
                    ),
                )
            else:
                value = f"{postal_part(match['line'])}|{match['postcode']}"
            if not reference:
                self.error(
                    line,
                    "reference_dossier",
                    "",
                    _("la référence du dossier est obligatoire pour un événement postal."),
                )
        if line in self.rejected_lines:
            return None
        if self.repeated(
            line, "valeur", raw_value, DUPLICATE_EVENT, "event", occurred_at, kind, value, reference
        ):
            return None
        return EventRow(line, occurred_at, kind, point_kind, value, raw_value, reference)

    def describe(self, counts: tuple[int, ...]) -> list[str]:
        evidences, validated, invalidated, unstarred = counts
        parts = [
            ngettext("%(count)d preuve enregistrée", "%(count)d preuves enregistrées", evidences)
            % {"count": evidences}
        ]
        if validated:
            parts.append(
                ngettext("%(count)d moyen validé", "%(count)d moyens validés", validated)
                % {"count": validated}
            )
        if invalidated:
            parts.append(
                ngettext("%(count)d moyen invalidé", "%(count)d moyens invalidés", invalidated)
                % {"count": invalidated}
            )
        if unstarred:
            parts.append(
                ngettext(
                    "%(count)d moyen par défaut perdu",
                    "%(count)d moyens par défaut perdus",
                    unstarred,
                )
                % {"count": unstarred}
            )
        return parts

    def write_batch(self, records: list[EventRow]) -> None:
        matched = self._match(records)
        if matched:
            lock_dossiers({p.dossier_id for _row, p in matched})
            self._apply(matched)

    def _match(self, records: list[EventRow]) -> list[tuple[EventRow, ContactPoint]]:
        """Each event with the means it names: phones and e-mails by their value
        (in the file the row names, or anywhere), postal addresses in the file."""
        dossiers = dossier_ids_by_reference({r.reference for r in records if r.reference})
        rows: list[EventRow] = []
        for row in records:
            if row.reference and row.reference not in dossiers:
                unknown_dossier_error(self, row)
            else:
                rows.append(row)
        candidates: dict[tuple[str, str], list[ContactPoint]] = {}
        values = sorted({r.value for r in rows if r.point_kind != Kind.POSTAL})
        for chunk in chunked(values, 900):
            for point in ContactPoint.objects.filter(
                value_key__in=chunk, kind__in=(Kind.PHONE, Kind.EMAIL)
            ).only(*POINT_FIELDS):
                candidates.setdefault((point.kind, point.value_key), []).append(point)
        postal_files = sorted({dossiers[r.reference] for r in rows if r.point_kind == Kind.POSTAL})
        for chunk in chunked(postal_files, 900):
            for point in ContactPoint.objects.filter(dossier_id__in=chunk, kind=Kind.POSTAL).only(
                *POINT_FIELDS
            ):
                parts = point.value_key.split("|")
                candidates.setdefault((Kind.POSTAL, f"{parts[0]}|{parts[-1]}"), []).append(point)
        matched: list[tuple[EventRow, ContactPoint]] = []
        for row in rows:
            found = candidates.get((row.point_kind, row.value), [])
            if row.reference:
                dossier_id = dossiers[row.reference]
                found = [p for p in found if p.dossier_id == dossier_id]
            if not found:
                if row.reference:
                    message = _(
                        "aucun moyen de contact (%(kind)s) ne correspond à cette valeur "
                        "dans le dossier %(reference)s."
                    )
                else:
                    message = _("aucun moyen de contact (%(kind)s) ne correspond à cette valeur.")
                self.error(
                    row.line,
                    "valeur",
                    row.raw_value,
                    message % {"kind": Kind(row.point_kind).label, "reference": row.reference},
                )
                continue
            matched.extend((row, p) for p in found)
        return matched

    def _apply(self, matched: list[tuple[EventRow, ContactPoint]]) -> None:
        """Record each event as evidence and give it its effect (``rules``)."""
        # Already imported (same means, kind and moment): nothing to do again.
        point_ids = sorted({p.pk for _row, p in matched})
        moments = sorted({r.occurred_at for r, _point in matched})
        done: set[tuple[int, str, datetime.datetime]] = set()
        for chunk in chunked(point_ids, 900):
            done.update(
                Evidence.objects.filter(
                    point_id__in=chunk, source=Evidence.Source.IMPORT, occurred_at__in=moments
                ).values_list("point_id", "kind", "occurred_at")
            )
        now = timezone.now()
        points: dict[int, ContactPoint] = {}
        evidences: list[Evidence] = []
        applied: list[ContactPoint | None] = []
        # Events apply in the order they happened, as they would have one by one.
        # Within a batch by sorting; across batches (a file not sorted by date), an
        # event older than one this file already applied to the same means is
        # recorded as evidence but changes nothing: the newer one stands.
        matched.sort(key=lambda pair: (pair[0].occurred_at, pair[0].line))
        latest = self.latest
        for row, candidate in matched:
            if (candidate.pk, row.kind, row.occurred_at) in done:
                self.unchanged += 1
                continue
            point = points.setdefault(candidate.pk, candidate)
            evidence = new_instance(
                Evidence,
                point_id=point.pk,
                kind=row.kind,
                occurred_at=row.occurred_at,
                source=Evidence.Source.IMPORT,
                source_detail=self.source_name[:200],
                created_at=now,
            )
            evidences.append(evidence)
            self.per_dossier.add(point.dossier_id, EventCounts.EVIDENCES)
            newest = latest.get(point.pk)
            if newest is not None and row.occurred_at < newest:
                applied.append(None)
                self.created += 1
                continue
            latest[point.pk] = row.occurred_at
            applied.append(point)
            change = rules.qualification_apply(
                point, rules.EVIDENCE_EFFECT[row.kind], occurred_at=row.occurred_at, now=now
            )
            if change.status_changed:
                if point.status == Status.VALID:
                    self.per_dossier.add(point.dossier_id, EventCounts.VALIDATED)
                else:
                    self.per_dossier.add(point.dossier_id, EventCounts.INVALIDATED)
                if change.default_lost:
                    self.per_dossier.add(point.dossier_id, EventCounts.DEFAULTS_LOST)
                self.updated += 1
            else:
                self.created += 1
        if not evidences:
            return
        insert_objects(Evidence, evidences, EVIDENCE_INSERT, returning=True)
        for point, evidence in zip(applied, evidences, strict=True):
            if point is not None:
                point.last_evidence_id = evidence.pk  # the last one applied wins
        update_objects(
            ContactPoint,
            list(points.values()),
            ["status", "status_changed_at", "validated_at", "is_default", "last_evidence"],
        )
