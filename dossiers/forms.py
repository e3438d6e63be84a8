from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from recouvrement.prepared import prepared
from recouvrement.text import CleanTextMixin

from .models import Dossier


def active_collaborators():
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, groups__permissions__codename="view_dossier")
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


#: The same read, compiled once per process (recouvrement.prepared, issue 15): the
#: client file shows the reassignment's choices on every render.
_collaborators = prepared(active_collaborators)


class CollaboratorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ReassignForm(CleanTextMixin, forms.Form):
    assigned_to = CollaboratorChoiceField(
        label=_("Collaborateur"),
        queryset=active_collaborators(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un collaborateur actif dans la liste.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        field.queryset = active_collaborators()  # what a posted choice is checked against
        # Evaluated once: iterating a ModelChoiceIterator in a template costs a COUNT too.
        # The choices as the field's iterator makes them (no empty one: empty_label=None).
        iterator = field.iterator(field)
        field.choices = [iterator.choice(user) for user in _collaborators()]


class DossierFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=200)
    collaborateur = CollaboratorChoiceField(
        label=_("Collaborateur"),
        queryset=active_collaborators(),
        required=False,
        empty_label=_("Tous les collaborateurs"),
    )
    statut = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous les statuts")), *Dossier.Status.choices],
    )
    tri = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[
            ("encours", _("Encours décroissant")),
            ("anciennete", _("Ancienneté de la dette")),
            ("prochaine_action", _("Prochaine action")),
            ("reference", _("Référence")),
            ("nom", _("Nom")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collaborateur"].queryset = active_collaborators()
        self.fields["q"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("Référence, nom, téléphone, e-mail")}
        )
        for name in ("collaborateur", "statut", "tri"):
            self.fields[name].widget.attrs["class"] = "form-select"


class NoteForm(CleanTextMixin, forms.Form):
    # Objectivity is checked by services.note_create, the one place every note passes.
    text = forms.CharField(
        label=_("Note"),
        max_length=5000,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _("Note visible par tous les chargés de recouvrement"),
            }
        ),
        error_messages={"required": _("Écrivez la note avant de l'enregistrer.")},
    )


class NextActionForm(CleanTextMixin, forms.Form):
    next_action = forms.CharField(
        label=_("Prochaine action"),
        max_length=200,
        required=False,
        help_text=_("Par exemple : relance téléphonique, vérifier le règlement."),
    )
    next_action_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Saisissez une date valide, par exemple 02/12/2026.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("next_action_date") and not data.get("next_action"):
            self.add_error("next_action", _("Dites quelle action est prévue à cette date."))
        return data


# The application sets « vérification coordonnées » itself, from the contact means.
MANUAL_STATUSES = [
    (value, label)
    for value, label in Dossier.Status.choices
    if value != Dossier.Status.CONTACT_CHECK
]


class StatusForm(CleanTextMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        choices=MANUAL_STATUSES,
        error_messages={"invalid_choice": _("Choisissez un statut dans la liste.")},
    )
    reason = forms.CharField(label=_("Motif"), max_length=300, required=False)
