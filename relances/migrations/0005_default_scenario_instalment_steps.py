"""The default scenario « Relance standard » reminds the instalments of a promise: an
e-mail 3 days before each instalment (automatic) and, 5 days after a missed one (past
the 3 days of grace), an e-mail to confirm from « À faire »."""

from django.db import migrations

# Only the placeholders of contacts.messaging.placeholders; no collection costs added
# to the amount due (CPCE L111-8).
TEMPLATES = [
    {
        "name": "Rappel avant échéance",
        "channel": "email",
        "subject": "Rappel : échéance du {{ echeance_date }} — dossier {{ reference }}",
        "body": (
            "Bonjour {{ contact }},\n\n"
            "Nous vous rappelons que l'échéance de {{ echeance_montant }} prévue le "
            "{{ echeance_date }} dans le cadre de votre accord de paiement (dossier "
            "{{ reference }}) approche.\n\n"
            "Si vous avez déjà effectué ce règlement, merci de ne pas tenir compte de ce "
            "message.\n\n"
            "Cordialement,\n{{ collaborateur }}\n{{ collaborateur_email }}"
        ),
    },
    {
        "name": "Échéance non réglée",
        "channel": "email",
        "subject": "Échéance du {{ echeance_date }} non réglée — dossier {{ reference }}",
        "body": (
            "Bonjour {{ contact }},\n\n"
            "Sauf erreur de notre part, l'échéance de {{ echeance_montant }} prévue le "
            "{{ echeance_date }} dans le cadre de votre accord de paiement ne nous est pas "
            "parvenue. Le solde de votre dossier {{ reference }} est de {{ encours }}.\n\n"
            "Merci de nous contacter rapidement pour régulariser la situation ou convenir "
            "d'un nouvel accord.\n\n"
            "Cordialement,\n{{ collaborateur }}\n{{ collaborateur_email }}"
        ),
    },
]

SCENARIO = "Relance standard"
# (order, kind, label, days, template name, mode)
STEPS = [
    (20, "before_instalment", "Rappel avant échéance", 3, "Rappel avant échéance", "auto"),
    (21, "after_missed", "Relance après échéance manquée", 5, "Échéance non réglée", "confirm"),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    Scenario = apps.get_model("relances", "Scenario")
    ScenarioStep = apps.get_model("relances", "ScenarioStep")
    scenario = Scenario.objects.filter(name=SCENARIO).first()
    if scenario is None:  # an administrator removed or renamed it
        return
    for values in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            channel=values["channel"], name=values["name"], defaults=values
        )
    for order, kind, label, days, template_name, mode in STEPS:
        if ScenarioStep.objects.filter(scenario=scenario, order=order).exists():
            continue
        if ScenarioStep.objects.filter(scenario=scenario, kind=kind).exists():
            continue
        ScenarioStep.objects.create(
            scenario=scenario,
            order=order,
            kind=kind,
            label=label,
            delay_days=days,
            action="email",
            template=MessageTemplate.objects.get(channel="email", name=template_name),
            mode=mode,
        )


def unseed(apps, schema_editor):
    ScenarioStep = apps.get_model("relances", "ScenarioStep")
    ScenarioStep.objects.filter(
        scenario__name=SCENARIO, kind__in=["before_instalment", "after_missed"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("relances", "0004_instalment_steps")]

    operations = [migrations.RunPython(seed, unseed)]
