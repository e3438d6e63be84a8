"""Forms of the communication actions (validation only; the services do the rest)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from recouvrement.text import CleanTextMixin

from .messaging.placeholders import PlaceholderError, placeholders_check, placeholders_help
from .messaging.selectors import communication_points, communication_templates
from .models import Communication, ContactPoint, MessageTemplate

PLACEHOLDERS_HELP = lazy(placeholders_help, str)()


class PointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContactPoint) -> str:
        label = f"{obj.display_value} — {obj.contact.full_name}"
        if obj.is_default:
            return f"{label} ({_('par défaut')})"
        if obj.status == ContactPoint.Status.PENDING:
            return f"{label} ({_('à qualifier')})"
        return label


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MessageTemplate) -> str:
        return obj.name


def _check_placeholders(value: str) -> str:
    try:
        placeholders_check(value)
    except PlaceholderError as exc:
        raise forms.ValidationError(exc.messages) from exc
    return value


class _CommunicationForm(CleanTextMixin, forms.Form):
    point_kind = ""
    mobile_only = False
    channel = ""
    point_label = _("Moyen de contact")

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        self.fields["point"] = PointChoiceField(
            label=self.point_label,
            queryset=communication_points(
                dossier=dossier, kind=self.point_kind, mobile_only=self.mobile_only
            ),
            empty_label=None,
            error_messages={
                "invalid_choice": _("Choisissez un moyen de contact valide de ce dossier."),
                "required": _(
                    "Ce dossier n'a aucun moyen de contact utilisable pour cette action."
                ),
            },
        )
        self.order_fields(["point", "direction", "outcome", "template"])
        if "template" in self.fields:
            self.fields["template"].queryset = communication_templates(channel=self.channel)


class CallReportForm(_CommunicationForm):
    point_kind = ContactPoint.Kind.PHONE
    point_label = _("Numéro")

    direction = forms.ChoiceField(
        label=_("Sens de l'appel"),
        choices=[("sortant", _("Appel sortant")), ("entrant", _("Appel entrant"))],
        initial="sortant",
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Résultat"),
        choices=[c for c in Communication.Outcome.choices if c[0]],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("« Abouti » valide le numéro, « faux numéro » l'invalide."),
    )
    comment = forms.CharField(
        label=_("Compte rendu"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("direction") == "entrant":
            data["outcome"] = Communication.Outcome.COMPLETED
        elif not data.get("outcome"):
            self.add_error("outcome", _("Choisissez le résultat de l'appel."))
        return data


class LetterForm(_CommunicationForm):
    point_kind = ContactPoint.Kind.POSTAL
    channel = MessageTemplate.Channel.LETTER
    point_label = _("Adresse")

    template = TemplateChoiceField(
        label=_("Modèle"),
        queryset=MessageTemplate.objects.none(),
        # No template chosen for the agent: a formal notice is not sent by accident.
        empty_label=_("— choisissez un modèle —"),
        error_messages={"required": _("Choisissez un modèle de courrier.")},
    )


class SmsForm(_CommunicationForm):
    point_kind = ContactPoint.Kind.PHONE
    mobile_only = True
    channel = MessageTemplate.Channel.SMS
    point_label = _("Mobile")

    template = TemplateChoiceField(
        label=_("Modèle"),
        queryset=MessageTemplate.objects.none(),
        required=False,
        empty_label=_("— texte libre —"),
    )
    text = forms.CharField(
        label=_("Texte du SMS"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-sms-counter": "sms-count"}),
        help_text=PLACEHOLDERS_HELP,
    )

    def clean_text(self):
        return _check_placeholders(self.cleaned_data["text"])

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("template"):
            self.add_error("text", _("Écrivez le texte du SMS ou choisissez un modèle."))
        return data


class EmailForm(_CommunicationForm):
    point_kind = ContactPoint.Kind.EMAIL
    channel = MessageTemplate.Channel.EMAIL
    point_label = _("Adresse e-mail")

    template = TemplateChoiceField(
        label=_("Modèle"),
        queryset=MessageTemplate.objects.none(),
        required=False,
        empty_label=_("— texte libre —"),
    )
    subject = forms.CharField(label=_("Objet"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=PLACEHOLDERS_HELP,
    )

    def clean_subject(self):
        return _check_placeholders(self.cleaned_data["subject"])

    def clean_body(self):
        return _check_placeholders(self.cleaned_data["body"])

    def clean(self):
        data = super().clean()
        if not data.get("template"):
            if not (data.get("subject") or "").strip():
                self.add_error("subject", _("Écrivez l'objet de l'e-mail ou choisissez un modèle."))
            if not (data.get("body") or "").strip():
                self.add_error("body", _("Écrivez le message ou choisissez un modèle."))
        return data
