"""Template text is never code: only the documented placeholders are replaced."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contacts.messaging.placeholders import (
    PLACEHOLDERS,
    PlaceholderError,
    placeholder_values,
    placeholders_check,
    placeholders_render,
)
from contacts.messaging.rendering import CommunicationError, message_render
from contacts.models import MessageTemplate

ATTACKS = [
    "{{ settings.SECRET_KEY }}",
    "{% load log %}{% get_admin_log 10 as log %}",
    "{{ dossier.assigned_to.password }}",
    "{{ reference|upper }}",
    "{{ inconnu }}",
    "{% debug %}",
    "{# commentaire #}",
    "{{ reference",
    "{{ REFERENCE }}",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_attack_refused_when_template_saved(db, text):
    template = MessageTemplate(name="Piège", channel="sms", body=f"Bonjour {text}")
    with pytest.raises(ValidationError) as excinfo:
        template.full_clean()
    assert "body" in excinfo.value.message_dict
    assert "Variable inconnue ou syntaxe interdite" in excinfo.value.message_dict["body"][0]


@pytest.mark.parametrize("text", ATTACKS)
def test_attack_never_rendered(text):
    with pytest.raises(PlaceholderError):
        placeholders_render(text, {"reference": "ACC-1001", "SECRET_KEY": "leak"})


def test_attack_in_subject_refused(db):
    template = MessageTemplate(
        name="Piège", channel="email", subject="{{ settings.SECRET_KEY }}", body="Bonjour"
    )
    with pytest.raises(ValidationError) as excinfo:
        template.full_clean()
    assert "subject" in excinfo.value.message_dict


def test_template_stored_with_attack_is_refused_at_render_too(dossier, settings):
    # Written straight to the database (no clean): the render still refuses it.
    template = MessageTemplate.objects.create(
        name="Contourné", channel="sms", body="Clé : {{ settings.SECRET_KEY }}"
    )
    with pytest.raises(CommunicationError) as excinfo:
        message_render(dossier=dossier, template=template)
    assert settings.SECRET_KEY not in str(excinfo.value)


def test_known_placeholders_replaced_by_plain_values(dossier, owner):
    from tests import factories

    factories.ReceivableFactory(dossier=dossier, number="F1")
    from dossiers.services import dossier_refresh_totals

    dossier_refresh_totals(dossier_ids=[dossier.pk])
    dossier.refresh_from_db()
    text = "Réf {{reference}} — {{ nom }} doit {{ encours }} ({{ factures_echues }} facture) — {{ collaborateur }}"
    values = placeholder_values(dossier=dossier)
    assert placeholders_render(text, values) == (
        "Réf ACC-1001 — Boulangerie Œuvre & Fils doit 1\u00a0234,56\u00a0€ (1 facture) — Agnès Martin"
    )


def test_values_are_html_agnostic_strings(dossier):
    # The value of a placeholder is inserted as is: a name with braces stays text.
    out = placeholders_render("{{ nom }}", {"nom": "<b>{% x %}</b>"})
    assert out == "<b>{% x %}</b>"


def test_every_placeholder_documented_and_valid():
    assert {
        "reference",
        "nom",
        "encours",
        "plus_ancienne_echeance",
        "collaborateur",
        "date",
    } <= set(PLACEHOLDERS)
    text = " ".join("{{ %s }}" % name for name in PLACEHOLDERS)  # noqa: UP031
    assert placeholders_check(text) == list(PLACEHOLDERS)


def test_seeded_templates_are_valid_and_cover_each_channel(db):
    templates = list(MessageTemplate.objects.all())
    assert {t.channel for t in templates} == {"letter", "sms", "email"}
    assert {"Relance amiable", "Mise en demeure", "SMS de relance", "E-mail de relance"} <= {
        t.name for t in templates
    }
    for template in templates:
        template.full_clean()


def test_plain_braces_in_text_are_allowed(db):
    MessageTemplate(name="Accolades", channel="sms", body="Code {A} et 50 % de remise").full_clean()
