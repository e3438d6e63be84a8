"""The readable side of an access export: a dated French PDF (fpdf2, core fonts)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.templatetags.recouvrement import format_euros
from recouvrement.pdf import document, latin

from .builder import ExportContext, ExportSection

if TYPE_CHECKING:
    from fpdf import FPDF

LABELS = {
    "dossier": gettext_lazy("Dossier"),
    "civility": gettext_lazy("Civilité"),
    "first_name": gettext_lazy("Prénom"),
    "last_name": gettext_lazy("Nom"),
    "function": gettext_lazy("Fonction"),
    "observation": gettext_lazy("Observation"),
    "external_key": gettext_lazy("Identifiant chez le créancier"),
    "created_at": gettext_lazy("Enregistré le"),
    "origin": gettext_lazy("Provenance"),
    "purpose": gettext_lazy("Finalité"),
    "legal_basis": gettext_lazy("Base légale"),
    "recipients": gettext_lazy("Destinataires"),
    "retention": gettext_lazy("Durée de conservation"),
    "sources": gettext_lazy("Sources des données"),
    "rights": gettext_lazy("Vos droits"),
    "kind": gettext_lazy("Type"),
    "value": gettext_lazy("Valeur"),
    "phone_type": gettext_lazy("Ligne"),
    "status": gettext_lazy("Statut"),
    "is_default": gettext_lazy("Par défaut"),
    "evidence": gettext_lazy("Preuves"),
    "history": gettext_lazy("Historique"),
    "occurred_at": gettext_lazy("Date"),
    "source": gettext_lazy("Source"),
    "source_detail": gettext_lazy("Précision"),
    "recorded_by": gettext_lazy("Enregistré par"),
    "comment": gettext_lazy("Commentaire"),
    "reference": gettext_lazy("Référence"),
    "name": gettext_lazy("Nom du dossier"),
    "assigned_to": gettext_lazy("Collaborateur"),
    "outstanding": gettext_lazy("Encours"),
    "receivables": gettext_lazy("Créances"),
    "number": gettext_lazy("Facture"),
    "issue_date": gettext_lazy("Émise le"),
    "due_date": gettext_lazy("Échéance"),
    "amount": gettext_lazy("Montant"),
    "balance": gettext_lazy("Reste dû"),
    "at": gettext_lazy("Date"),
    "action": gettext_lazy("Événement"),
    "by": gettext_lazy("Par"),
    "message": gettext_lazy("Détail"),
    "text": gettext_lazy("Note"),
    "channel": gettext_lazy("Canal"),
    "direction": gettext_lazy("Sens"),
    "outcome": gettext_lazy("Résultat"),
    "recipient": gettext_lazy("Destinataire"),
    "subject": gettext_lazy("Objet"),
    "body": gettext_lazy("Texte"),
    "copy": gettext_lazy("Copie jointe"),
}
MONEY_KEYS = {"amount", "balance", "outstanding"}


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if key in MONEY_KEYS:
        return format_euros(value)
    if isinstance(value, str) and (key.endswith("_at") or key == "at"):
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        return formats.date_format(moment, "d/m/Y H:i")
    if isinstance(value, str) and key.endswith("_date"):
        return formats.date_format(datetime.date.fromisoformat(value), "d/m/Y")
    return str(value)


def _line(pdf: FPDF, item: dict[str, Any], indent: float, *, labels: bool) -> None:
    """One item on one paragraph: its values in order, with or without their labels."""
    parts = []
    for key, value in item.items():
        shown = "" if isinstance(value, list) else _shown(key, value)
        if shown:
            parts.append(f"{LABELS.get(key, key)} : {shown}" if labels else shown)
    pdf.set_x(pdf.l_margin + indent)
    pdf.set_font("Helvetica", size=9)
    text = (" · " if labels else " — ").join(parts)
    pdf.multi_cell(0, 4.6, latin(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _item(pdf: FPDF, item: dict[str, Any], indent: float) -> None:
    for key, value in item.items():
        label = str(LABELS.get(key, key))
        if isinstance(value, list):
            if not value:
                continue
            pdf.set_x(pdf.l_margin + indent)
            pdf.set_font("Helvetica", style="B", size=9)
            pdf.cell(0, 5, latin(f"{label} :"), new_x="LMARGIN", new_y="NEXT")
            for child in value:
                _line(pdf, child, indent + 6, labels=True)
            pdf.ln(1)
            continue
        shown = _shown(key, value)
        if not shown:
            continue
        pdf.set_x(pdf.l_margin + indent)
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(
            0, 4.6, latin(f"{label} : {shown}"), align="L", new_x="LMARGIN", new_y="NEXT"
        )


def export_pdf(ctx: ExportContext, sections: list[ExportSection]) -> bytes:
    generated = formats.date_format(timezone.localtime(ctx.generated_at), "d/m/Y H:i")
    person = ctx.scope.contact.full_name
    pdf = document(
        footer=_("Données personnelles de %(person)s au %(date)s")
        % {"person": person, "date": generated},
        footer_y=-12,
        margins=18,
        bottom=18,
    )
    pdf.set_title(latin(_("Données personnelles — %(person)s") % {"person": person}))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.multi_cell(
        0,
        7,
        latin(_("Vos données personnelles — %(person)s") % {"person": person}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(
        0,
        5,
        latin(
            _(
                "Réponse à une demande d'accès (article 15 du RGPD), établie le %(date)s "
                "par %(by)s. Elle contient tout ce que le service recouvrement détient sur "
                "vous, d'où cela vient et pourquoi ; les informations sur d'autres personnes "
                "en sont exclues. Le fichier JSON joint contient les mêmes données."
            )
            % {"date": generated, "by": ctx.generated_by}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for section in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.set_fill_color(230, 236, 245)
        pdf.cell(0, 7, latin(section.title), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        if section.intro:
            pdf.set_font("Helvetica", style="I", size=9)
            pdf.multi_cell(0, 4.6, latin(section.intro), new_x="LMARGIN", new_y="NEXT")
        if not section.items:
            pdf.set_font("Helvetica", style="I", size=9)
            pdf.cell(0, 5, latin(_("Aucune donnée.")), new_x="LMARGIN", new_y="NEXT")
        for item in section.items:
            if section.compact:
                _line(pdf, item, 0, labels=False)
                pdf.ln(0.8)
            else:
                _item(pdf, item, 0)
                pdf.ln(2)
    return bytes(pdf.output())
