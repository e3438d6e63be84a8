from django.db import migrations

from recouvrement.groups import groups_sync

# Only the placeholders of contacts.messaging.placeholders. No « frais de recouvrement »
# is ever added to the amount due: amicable-phase costs stay with the creditor (CPCE L111-8).
COURTEOUS_EMAIL = {
    "name": "Rappel courtois",
    "channel": "email",
    "subject": "Rappel : facture(s) en attente sur votre dossier {{ reference }}",
    "body": (
        "Bonjour {{ contact }},\n\n"
        "Sauf erreur de notre part, le règlement de {{ factures_echues }} facture(s) arrivée(s) "
        "à échéance le {{ plus_ancienne_echeance }} ne nous est pas encore parvenu. Le solde "
        "de votre dossier {{ reference }} est de {{ encours }}.\n\n"
        "Il s'agit sans doute d'un simple oubli. Si vous avez réglé entre-temps, merci de ne "
        "pas tenir compte de ce message.\n\n"
        "Cordialement,\n{{ collaborateur }}\n{{ collaborateur_email }}"
    ),
}

SCENARIO = "Relance standard"
# (order, label, delay in days, action, template name or None, mode)
STEPS = [
    (1, "E-mail de rappel courtois", 5, "email", ("email", "Rappel courtois"), "auto"),
    (2, "SMS de relance", 10, "sms", ("sms", "SMS de relance"), "auto"),
    (3, "Courrier de relance amiable", 10, "letter", ("letter", "Relance amiable"), "auto"),
    (4, "Appeler le débiteur", 10, "call", None, "task"),
    (5, "Mise en demeure", 15, "letter", ("letter", "Mise en demeure"), "confirm"),
    (6, "Fin de scénario : décider de la suite", 15, "task", None, "task"),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    Scenario = apps.get_model("relances", "Scenario")
    ScenarioStep = apps.get_model("relances", "ScenarioStep")
    MessageTemplate.objects.get_or_create(
        channel=COURTEOUS_EMAIL["channel"], name=COURTEOUS_EMAIL["name"], defaults=COURTEOUS_EMAIL
    )
    scenario, created = Scenario.objects.get_or_create(
        name=SCENARIO,
        defaults={
            "is_default": not Scenario.objects.filter(is_default=True).exists(),
            "description": (
                "Scénario par défaut : e-mail à J+5 de la plus ancienne échéance, puis SMS, "
                "courrier, appel, mise en demeure à confirmer et fin de scénario."
            ),
        },
    )
    if not created:
        return
    for order, label, delay, action, template_key, mode in STEPS:
        template = None
        if template_key is not None:
            channel, name = template_key
            template = MessageTemplate.objects.filter(channel=channel, name=name).first()
            if template is None:  # an administrator removed it: the step becomes a task
                action, mode = "task", "task"
        ScenarioStep.objects.create(
            scenario=scenario,
            order=order,
            label=label,
            delay_days=delay,
            action=action,
            template=template,
            mode=mode,
        )


def unseed(apps, schema_editor):
    apps.get_model("relances", "Scenario").objects.filter(name=SCENARIO).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("relances", "0001_initial"),
        ("contacts", "0004_seed_message_templates"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(groups_sync, migrations.RunPython.noop),
    ]
