"""Forms of the paiements app: validation only; the services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.forms import CollaboratorChoiceField, active_collaborators
from dossiers.templatetags.recouvrement import format_euros
from recouvrement.importing.values import parse_amount, parse_date

from .models import DisputeReason, ExternalAction, Payment
from .plans import MONTHLY, WEEKLY, plan_build

DATE_ERROR = _("Saisissez une date valide, par exemple 02/12/2026.")
MAX_INSTALMENTS = 60


def date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": DATE_ERROR, "required": _("La date est obligatoire.")},
        **kwargs,
    )


class AmountField(forms.CharField):
    """An amount typed the French way (« 1 234,56 ») or with a dot."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            amount = parse_amount(value)
        except ValueError as exc:
            raise forms.ValidationError(_("Montant invalide, par exemple 1 234,56.")) from exc
        if amount <= 0:
            raise forms.ValidationError(_("Le montant doit être positif."))
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Deux décimales au plus."))
        return amount


class ReceivableChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.number} — {format_euros(obj.balance)}"


class DossierForm(forms.Form):
    """A form about one file: its invoices are the only ones to choose from."""

    def __init__(self, *args, dossier, **kwargs):
        self.dossier = dossier
        super().__init__(*args, **kwargs)

    def unpaid(self):
        return self.dossier.receivables.filter(balance__gt=0).order_by("due_date", "number")


class PaymentForm(DossierForm):
    date = date_field(_("Date du paiement"))
    amount = AmountField(label=_("Montant"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Payment.Mode.choices)
    invoice = forms.ModelChoiceField(
        label=_("Facture désignée"),
        queryset=None,
        required=False,
        empty_label=_("Aucune : les plus anciennes d'abord"),
        to_field_name="number",
    )
    reference = forms.CharField(label=_("Référence du paiement"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = self.unpaid()
        self.fields["invoice"].label_from_instance = lambda r: (
            f"{r.number} — {format_euros(r.balance)}"
        )


class PromiseForm(DossierForm):
    SINGLE, PLAN, LIST = "une", "echeancier", "liste"
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[
            (SINGLE, _("Un montant à une date")),
            (PLAN, _("Échéancier régulier")),
            (LIST, _("Liste de dates et montants")),
        ],
        widget=forms.RadioSelect,
        initial=SINGLE,
    )
    amount = AmountField(
        label=_("Montant"),
        required=False,
        help_text=_("Total promis (pour un échéancier : réparti)."),
    )
    date = date_field(_("Date (ou première échéance)"), required=False)
    count = forms.IntegerField(
        label=_("Nombre d'échéances"), min_value=2, max_value=MAX_INSTALMENTS, required=False
    )
    period = forms.ChoiceField(
        label=_("Périodicité"),
        choices=[(MONTHLY, _("Mensuelle")), (WEEKLY, _("Hebdomadaire"))],
        required=False,
    )
    lines = forms.CharField(
        label=_("Liste des échéances"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "15/12/2026 ; 150,00\n15/01/2027 ; 150,00"}
        ),
        help_text=_("Une échéance par ligne : date ; montant."),
    )
    receivables = ReceivableChoiceField(
        label=_("Factures concernées"),
        queryset=None,
        required=False,
        help_text=_("Aucune cochée : tout l'encours du dossier."),
    )
    comment = forms.CharField(label=_("Commentaire"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receivables"].queryset = self.unpaid()

    def _lines(self, raw: str) -> list[tuple[datetime.date, Decimal]]:
        plan = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("\t", ";").split(";")]
            if len(parts) != 2:
                raise forms.ValidationError(
                    _("Ligne %(n)d : écrivez « date ; montant ».") % {"n": number}
                )
            try:
                plan.append((parse_date(parts[0]), parse_amount(parts[1])))
            except ValueError as exc:
                raise forms.ValidationError(
                    _("Ligne %(n)d : %(error)s") % {"n": number, "error": exc}
                ) from exc
        if len(plan) > MAX_INSTALMENTS:
            raise forms.ValidationError(_("%(max)d échéances au plus.") % {"max": MAX_INSTALMENTS})
        return plan

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        plan: list = []
        if kind == self.LIST:
            try:
                plan = self._lines(data.get("lines") or "")
            except forms.ValidationError as error:
                self.add_error("lines", error)
            if not plan and not self.errors:
                self.add_error("lines", _("Écrivez au moins une échéance."))
        elif kind in (self.SINGLE, self.PLAN):
            for name in ("amount", "date"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Ce champ est obligatoire."))
            if kind == self.PLAN and not data.get("count") and "count" not in self.errors:
                self.add_error("count", _("Indiquez le nombre d'échéances (2 au moins)."))
            if not self.errors:
                if kind == self.SINGLE:
                    plan = [(data["date"], data["amount"])]
                else:
                    plan = plan_build(
                        total=data["amount"],
                        count=data["count"],
                        first=data["date"],
                        period=data.get("period") or MONTHLY,
                    )
        data["plan"] = plan
        return data


class DisputeForm(DossierForm):
    receivables = ReceivableChoiceField(label=_("Factures contestées"), queryset=None)
    reason = forms.ModelChoiceField(
        label=_("Motif"),
        queryset=DisputeReason.objects.filter(active=True),
        empty_label=_("— choisissez un motif —"),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_date = date_field(_("Date de relance"))
    assigned_to = CollaboratorChoiceField(
        label=_("Responsable"),
        queryset=None,
        required=False,
        empty_label=_("Le chargé du dossier"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receivables"].queryset = self.unpaid()
        self.fields["reason"].queryset = DisputeReason.objects.filter(active=True)
        self.fields["assigned_to"].queryset = active_collaborators()


class DisputeResolveForm(forms.Form):
    dispute = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            ("accepte", _("Accepté : avoir")),
            ("rejete", _("Rejeté : reprise du recouvrement")),
        ],
    )
    resolution = forms.CharField(label=_("Commentaire"), max_length=2000, required=False)


class ExternalActionForm(DossierForm):
    recipient = forms.ChoiceField(label=_("Destinataire"), choices=ExternalAction.Recipient.choices)
    request = forms.CharField(
        label=_("Demande"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = date_field(_("Réponse attendue le"))
    receivables = ReceivableChoiceField(
        label=_("Factures concernées"),
        queryset=None,
        required=False,
        help_text=_("Aucune cochée : le dossier entier."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receivables"].queryset = self.unpaid()


class ExternalAnswerForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Réponse"), max_length=2000)


def default_date(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
