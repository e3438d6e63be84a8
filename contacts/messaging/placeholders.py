"""Placeholders of message templates: a fixed, documented set and a tiny substitution.

Template text is written by administrators (and free text by agents). It is NEVER
given to the Django template engine: the only thing it can do is name one of the
placeholders below, written ``{{ reference }}`` (spaces optional). Anything else that
looks like template syntax (``{% … %}``, ``{# … #}``, ``{{ a.b }}``, filters, unknown
names) is refused when the template is saved and refused again at render time, so
no code runs and no other data (settings, users, passwords…) can be reached.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.templatetags.recouvrement import format_euros

# name -> description shown to administrators and agents.
PLACEHOLDERS: dict[str, str] = {
    "reference": gettext_lazy("référence du dossier"),
    "nom": gettext_lazy("nom du dossier (le débiteur)"),
    "contact": gettext_lazy("nom du contact destinataire (civilité, prénom, nom)"),
    "encours": gettext_lazy("encours du dossier, ex. 2 469,12 €"),
    "factures_echues": gettext_lazy("nombre de factures échues"),
    "plus_ancienne_echeance": gettext_lazy("plus ancienne échéance impayée, ex. 03/10/2026"),
    "jours_retard": gettext_lazy("jours de retard de la plus ancienne échéance"),
    "collaborateur": gettext_lazy("nom du chargé de recouvrement"),
    "collaborateur_email": gettext_lazy("e-mail du chargé de recouvrement"),
    "date": gettext_lazy("date du jour, ex. 28/11/2026"),
    # Legal mentions (issue 13).
    "creancier": gettext_lazy("identité et adresse du créancier"),
    "factures": gettext_lazy("factures dues : numéro, date, échéance et reste dû"),
    "premier_courrier_reference": gettext_lazy("référence du premier courrier au débiteur"),
    "premier_courrier_date": gettext_lazy("date du premier courrier au débiteur"),
    # Rappel avant échéance / relance après échéance manquée (the instalment reminded).
    "echeance_montant": gettext_lazy(
        "montant de l'échéance rappelée, ex. 150,00 € (rappels d'échéance seulement)"
    ),
    "echeance_date": gettext_lazy(
        "date de l'échéance rappelée, ex. 15/12/2026 (rappels d'échéance seulement)"
    ),
}

#: Filled only for a reminder around an instalment of a promise (``relances``).
INSTALMENT_PLACEHOLDERS = ("echeance_montant", "echeance_date")

# A well-formed placeholder: {{ name }} with a lower-case identifier, nothing else.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# Anything that looks like template syntax at all.
TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\{\{|\}\}|\{%|%\}|\{#|#\}", re.DOTALL)


class PlaceholderError(ValidationError):
    pass


def placeholders_help() -> str:
    names = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
    return _("Variables autorisées : %(names)s. Toute autre syntaxe est refusée.") % {
        "names": names
    }


def placeholders_check(text: str) -> list[str]:
    """The placeholders a text uses; raises PlaceholderError naming what is refused."""
    used: list[str] = []
    refused: list[str] = []
    for match in TAG_RE.finditer(text or ""):
        token = match.group(0)
        name_match = PLACEHOLDER_RE.fullmatch(token)
        if name_match and name_match.group(1) in PLACEHOLDERS:
            if name_match.group(1) not in used:
                used.append(name_match.group(1))
        elif token not in refused:
            refused.append(token)
    if refused:
        raise PlaceholderError(
            _("Variable inconnue ou syntaxe interdite : %(tokens)s. %(help)s")
            % {"tokens": ", ".join(refused), "help": placeholders_help()},
            code="unknown_placeholder",
        )
    return used


def placeholders_used(template) -> list[str]:
    """The placeholders a message template's subject and body use (checked)."""
    return placeholders_check(f"{template.subject or ''}\n{template.body or ''}")


def instalment_values(*, amount, due_date) -> dict[str, str]:
    """The values of ``INSTALMENT_PLACEHOLDERS`` for one instalment."""
    return {
        "echeance_montant": format_euros(amount),
        "echeance_date": formats.date_format(due_date, "d/m/Y"),
    }


def placeholders_render(text: str, values: Mapping[str, str]) -> str:
    """Replace the known placeholders by plain strings; refuse anything else."""
    placeholders_check(text)
    return PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), "")), text or "")


def placeholder_values(
    *,
    dossier,
    contact=None,
    overdue_count: int | None = None,
    extra: Mapping[str, str] | None = None,
    legal: Mapping[str, str] | None = None,
) -> Mapping[str, str]:
    """Plain strings for every placeholder: the only data a template can reach.
    ``legal``: the file's legal values when already at hand (legal_values_lazy)."""
    collaborator = dossier.assigned_to
    oldest = dossier.oldest_due_date
    if overdue_count is None:
        today = timezone.localdate()
        overdue_count = dossier.receivables.filter(balance__gt=0, due_date__lt=today).count()
    values = {
        "reference": dossier.reference,
        "nom": dossier.name,
        "contact": contact.full_name if contact is not None else dossier.name,
        "encours": format_euros(dossier.outstanding),
        "factures_echues": str(overdue_count),
        "plus_ancienne_echeance": formats.date_format(oldest, "d/m/Y") if oldest else "",
        "jours_retard": str(dossier.days_overdue or 0),
        "collaborateur": (collaborator.get_full_name() or collaborator.get_username())
        if collaborator
        else "",
        "collaborateur_email": collaborator.email if collaborator else "",
        "date": formats.date_format(timezone.localdate(), "d/m/Y"),
        **dict.fromkeys(INSTALMENT_PLACEHOLDERS, ""),
    }
    if extra:
        values.update({name: extra[name] for name in INSTALMENT_PLACEHOLDERS if name in extra})
    # The legal values cost two queries: computed only if a template asks for one.
    return ChainMap(values, legal if legal is not None else legal_values(dossier=dossier))


LEGAL_PLACEHOLDERS = (
    "creancier",
    "factures",
    "premier_courrier_reference",
    "premier_courrier_date",
)


def legal_values(*, dossier) -> Mapping[str, str]:
    """The creditor, the invoices and the first letter (reference and date) of a file."""
    return legal_values_lazy([dossier])[dossier.pk]


def legal_values_lazy(dossiers) -> dict[int, Mapping[str, str]]:
    """Each file's legal values, read the first time a template asks for one of them,
    then for all the files at once (two queries, however many messages are previewed)."""
    dossiers = list(dossiers)
    loaded: dict[int, dict[str, str]] = {}

    def load(pk: int) -> dict[str, str]:
        if not loaded:
            loaded.update(legal_values_many(dossiers))
        return loaded[pk]

    return {dossier.pk: _LegalValues(dossier.pk, load) for dossier in dossiers}


class _LegalValues(Mapping):
    def __init__(self, pk: int, load):
        self.pk, self.load = pk, load

    def __getitem__(self, key):
        return self.load(self.pk)[key]

    def __iter__(self):
        return iter(LEGAL_PLACEHOLDERS)

    def __len__(self):
        return len(LEGAL_PLACEHOLDERS)


def legal_values_many(dossiers) -> dict[int, dict[str, str]]:
    """The legal values of several files in two queries (a worklist previews many
    messages): the creditor, each file's unpaid invoices (50 at most), its first letter."""
    from django.conf import settings

    from dossiers.models import Receivable

    from ..models import Communication

    by_id = {dossier.pk: dossier for dossier in dossiers}
    creditor = ", ".join(getattr(settings, "CREDITOR_LINES", None) or settings.LETTER_SENDER_LINES)
    invoices: dict[int, list[str]] = {pk: [] for pk in by_id}
    unpaid = Receivable.objects.filter(dossier_id__in=list(by_id), balance__gt=0).order_by(
        "dossier_id", "due_date", "number"
    )
    if len(by_id) == 1:
        unpaid = unpaid[:50]
    for r in unpaid:
        lines = invoices[r.dossier_id]
        if len(lines) < 50:
            lines.append(
                _("facture %(number)s du %(issue)s, échue le %(due)s, reste dû %(balance)s")
                % {
                    "number": r.number,
                    "issue": formats.date_format(r.issue_date, "d/m/Y"),
                    "due": formats.date_format(r.due_date, "d/m/Y"),
                    "balance": format_euros(r.balance),
                }
            )
    firsts = {}
    for letter in Communication.objects.filter(
        dossier_id__in=list(by_id), channel="letter", template__first_letter=True
    ).order_by("dossier_id", "created_at", "id"):
        firsts.setdefault(letter.dossier_id, letter)
    values = {}
    for pk, dossier in by_id.items():
        first = firsts.get(pk)
        values[pk] = {
            "creancier": creditor,
            "factures": "\n".join(invoices[pk]),
            "premier_courrier_reference": f"{dossier.reference}/{first.pk}" if first else "",
            "premier_courrier_date": formats.date_format(
                timezone.localtime(first.created_at), "d/m/Y"
            )
            if first
            else "",
        }
    return values
