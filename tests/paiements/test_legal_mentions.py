"""First letter to the debtor (CPCE R124-4) and no collection costs (L111-8): checked
when a template is saved; the first letter's reference and date as placeholders."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.messaging.legal import L111_8_TEXT
from contacts.messaging.placeholders import placeholder_values, placeholders_render
from contacts.models import Communication, MessageTemplate
from tests import factories

pytestmark = pytest.mark.django_db

COMPLETE = (
    "Madame, Monsieur,\n"
    "Notre société, qui exerce une activité de recouvrement amiable, est mandatée par "
    "{{ creancier }}.\n"
    "Vous restez redevable de {{ encours }} au titre de : {{ factures }}.\n"
    "Ce montant se décompose en principal, intérêts (0,00 €) et autres accessoires (0,00 €).\n"
    "Nous vous demandons de régler cette somme sous huit jours. Modalités : virement "
    "(IBAN FR76 …) ou chèque.\n"
    "Article L. 111-8 du code des procédures civiles d'exécution : " + L111_8_TEXT
)


def template(body: str, **kwargs) -> MessageTemplate:
    values = {
        "name": "Premier courrier",
        "channel": "letter",
        "subject": "Mise en demeure amiable",
        "body": body,
        "first_letter": True,
    } | kwargs
    return MessageTemplate(**values)


def test_a_complete_first_letter_is_accepted():
    template(COMPLETE).full_clean()


def test_the_missing_mentions_are_named():
    body = COMPLETE.replace("{{ creancier }}", "notre client").replace(L111_8_TEXT, "")
    with pytest.raises(ValidationError) as info:
        template(body).full_clean()
    message = " ".join(info.value.message_dict["body"])
    assert "Mentions obligatoires manquantes (CPCE R. 124-4)" in message
    assert "l'identité du créancier" in message
    assert "L. 111-8" in message
    assert "fondement" not in message  # {{ factures }} is there


def test_accents_case_and_line_breaks_do_not_matter():
    body = COMPLETE.replace("principal, intérêts", "PRINCIPAL,\nINTERETS")
    template(body.replace("Modalités", "modalites")).full_clean()


def test_no_template_may_add_collection_costs():
    body = "Montant dû : {{ encours }}, plus 45,00 € de frais de recouvrement."
    with pytest.raises(ValidationError) as info:
        template(body, first_letter=False, channel="sms", subject="").full_clean()
    assert "aucun modèle ne peut les ajouter" in " ".join(info.value.message_dict["body"])
    # Quoting the article is not adding them.
    template(COMPLETE).full_clean()


def test_only_a_letter_can_be_the_first_letter():
    with pytest.raises(ValidationError) as info:
        template(COMPLETE, channel="email").full_clean()
    assert "first_letter" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageTemplate.objects.create(name="x", channel="sms", body="x", first_letter=True)


def test_the_admin_says_what_is_missing(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("admin:contacts_messagetemplate_add"),
        {
            "name": "Premier courrier",
            "channel": "letter",
            "subject": "Relance",
            "body": "Merci de payer {{ encours }}.",
            "first_letter": "on",
            "active": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mentions obligatoires manquantes" in html
    assert not MessageTemplate.objects.filter(name="Premier courrier").exists()


def test_first_letter_reference_and_date_are_placeholders(dossier, owner):
    factories.ReceivableFactory(dossier=dossier, number="F-77")
    first = template(COMPLETE)
    first.save()
    values = placeholder_values(dossier=dossier)
    assert values["premier_courrier_reference"] == ""
    sent = Communication.objects.create(
        dossier=dossier, channel="letter", status="generated", template=first, sent_by=owner
    )
    Communication.objects.create(
        dossier=dossier, channel="letter", status="generated", sent_by=owner
    )
    text = "Suite à notre courrier {{ premier_courrier_reference }} du {{ premier_courrier_date }}"
    rendered = placeholders_render(text, placeholder_values(dossier=dossier))
    assert rendered == (
        # The letter's date in the team's time zone (Paris): after 23:00 UTC in winter
        # it is already the next day there.
        f"Suite à notre courrier {dossier.reference}/{sent.pk} du "
        f"{timezone.localtime(sent.created_at):%d/%m/%Y}"
    )
    assert "facture F-77" in placeholder_values(dossier=dossier)["factures"]
