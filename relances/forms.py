from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scenario


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("Suspendre jusqu'au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": _("Choisissez la date de reprise."),
            "invalid": _("Saisissez une date valide, par exemple 02/12/2026."),
        },
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=200,
        error_messages={"required": _("Indiquez le motif de la suspension.")},
    )


class ScenarioChangeForm(forms.Form):
    scenario = forms.ModelChoiceField(
        label=_("Scénario"),
        queryset=Scenario.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un scénario actif dans la liste.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["scenario"]
        field.queryset = Scenario.objects.filter(active=True).order_by("name")
        # Evaluated once: iterating a ModelChoiceIterator in a template queries again.
        field.choices = [choice for choice in field.choices]  # noqa: C416
