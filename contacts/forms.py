"""Forms of the contact block: validation only, the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dossiers.objectivity import validate_objective
from recouvrement.text import CleanTextMixin

from .models import Contact, ContactPoint
from .services import POSTAL_FIELDS, contact_point_values

OBSERVATION_HELP = _(
    "Fonction au sein de l'entreprise (comptable, DAF…) ou toute information utile. "
    "Les informations doivent être objectives, en relation avec la gestion du dossier, "
    "et ne pas porter atteinte à l'image de la personne."
)


class ContactForm(CleanTextMixin, forms.ModelForm):
    observation = forms.CharField(
        label=_("Observation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=OBSERVATION_HELP,
        validators=[validate_objective],
    )

    class Meta:
        model = Contact
        fields = ["civility", "first_name", "last_name", "function", "observation"]
        labels = {
            "civility": _("Civilité"),
            "first_name": _("Prénom"),
            "last_name": _("Nom"),
            "function": _("Fonction"),
        }
        widgets = {"function": forms.TextInput(attrs={"placeholder": _("Comptable, DAF…")})}
        error_messages = {"last_name": {"required": _("Saisissez le nom du contact.")}}

    def service_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PointForm(CleanTextMixin, forms.Form):
    """One means of a given kind; ``normalized`` holds what the service will store."""

    kind: str = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.normalized: dict[str, Any] = {}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.normalized = contact_point_values(kind=self.kind, values=cleaned)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}

    @classmethod
    def initial_for(cls, point: ContactPoint) -> dict[str, Any]:
        return {name: getattr(point, name) for name in cls.base_fields}


class PhonePointForm(PointForm):
    kind = ContactPoint.Kind.PHONE
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=40,
        help_text=_("Tout format usuel : 06 12 34 56 78, +33 6 12 34 56 78, +32 470 12 34 56."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
        error_messages={"required": _("Saisissez le numéro de téléphone.")},
    )

    @classmethod
    def initial_for(cls, point: ContactPoint) -> dict[str, Any]:
        return {"phone": point.display_value}


class EmailPointForm(PointForm):
    kind = ContactPoint.Kind.EMAIL
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Saisissez l'adresse e-mail.")},
    )


def _line(label, required=False, **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=200,  # longer input reaches the service, which says "38 at most"
        error_messages={"required": _("Ce champ est obligatoire.")},
        **kwargs,
    )


class PostalPointForm(PointForm):
    kind = ContactPoint.Kind.POSTAL
    address_line1 = _line(
        _("Adresse"),
        required=True,
        help_text=_("Numéro et voie. 38 caractères au plus par ligne (norme postale)."),
    )
    address_line2 = _line(_("Complément (bâtiment, étage…)"))
    address_line3 = _line(_("Complément (lieu-dit, BP…)"))
    postcode = _line(_("Code postal"))
    city = _line(_("Ville"), required=True)
    country = _line(_("Pays"), initial="FR", help_text=_("Code à deux lettres : FR, BE, CH…"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_line1"].error_messages["required"] = _(
            "Saisissez la première ligne de l'adresse."
        )
        self.fields["city"].error_messages["required"] = _("Saisissez la ville.")

    def service_kwargs(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in POSTAL_FIELDS}


POINT_FORMS: dict[str, type[PointForm]] = {
    ContactPoint.Kind.PHONE: PhonePointForm,
    ContactPoint.Kind.EMAIL: EmailPointForm,
    ContactPoint.Kind.POSTAL: PostalPointForm,
}

# The means offered on « Renseigner les données de contact »: (prefix, form, title).
NEW_CONTACT_POINTS = [
    ("tel1", PhonePointForm, _("Téléphone")),
    ("tel2", PhonePointForm, _("Autre téléphone")),
    ("email", EmailPointForm, _("E-mail")),
    ("courrier", PostalPointForm, _("Adresse postale")),
]


def new_contact_point_forms(data=None) -> list[tuple[str, PointForm]]:
    """Optional means of a new contact: a form left empty is simply skipped."""
    forms_ = []
    for prefix, form_class, title in NEW_CONTACT_POINTS:
        form = form_class(data, prefix=prefix, empty_permitted=True)
        # Optional as a whole; once filled in, the service names what is missing.
        for field in form.fields.values():
            field.required = False
        if len(form.fields) == 1:
            (field,) = form.fields.values()
            field.label = title
            if prefix != "tel1":
                field.help_text = ""
        form.title = title
        forms_.append((prefix, form))
    return forms_
