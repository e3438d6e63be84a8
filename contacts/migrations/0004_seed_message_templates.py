from django.db import migrations

# Only the placeholders of contacts.messaging.placeholders (checked by a test).
# The SMS keeps to the GSM-7 alphabet (é, à are in it; û, ç are not) to fit one SMS.
TEMPLATES = [
    {
        "name": "Relance amiable",
        "channel": "letter",
        "subject": "Relance amiable — dossier {{ reference }}",
        "body": (
            "Madame, Monsieur,\n\n"
            "Sauf erreur de notre part, nous restons dans l'attente du règlement de "
            "{{ factures_echues }} facture(s) échue(s), pour un montant total de {{ encours }}, "
            "dont la plus ancienne est arrivée à échéance le {{ plus_ancienne_echeance }}.\n\n"
            "Il s'agit peut-être d'un simple oubli : nous vous remercions de bien vouloir "
            "procéder à ce règlement dans les meilleurs délais, en rappelant la référence "
            "{{ reference }}. Si votre paiement a été effectué entre-temps, merci de ne pas "
            "tenir compte de ce courrier.\n\n"
            "Pour toute question ou pour convenir d'un échéancier, vous pouvez joindre "
            "{{ collaborateur }} ({{ collaborateur_email }}).\n\n"
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        ),
    },
    {
        "name": "Mise en demeure",
        "channel": "letter",
        "subject": "Mise en demeure de payer — dossier {{ reference }}",
        "body": (
            "Madame, Monsieur,\n\n"
            "Malgré nos précédentes relances, la somme de {{ encours }} reste due à ce jour "
            "au titre de {{ factures_echues }} facture(s) échue(s), la plus ancienne depuis le "
            "{{ plus_ancienne_echeance }} ({{ jours_retard }} jours de retard).\n\n"
            "Par la présente, nous vous mettons en demeure de régler cette somme dans un délai "
            "de huit jours à compter de la réception de ce courrier. À défaut, nous nous "
            "réservons le droit d'engager une procédure de recouvrement judiciaire, dont les "
            "frais resteraient à votre charge.\n\n"
            "Votre interlocuteur : {{ collaborateur }} ({{ collaborateur_email }}).\n\n"
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        ),
    },
    {
        "name": "SMS de relance",
        "channel": "sms",
        "subject": "",
        "body": (
            "Bonjour, sauf erreur, un solde de {{ encours }} reste à payer sur votre dossier "
            "{{ reference }}. Merci de nous contacter pour le régler. {{ collaborateur }}"
        ),
    },
    {
        "name": "E-mail de relance",
        "channel": "email",
        "subject": "Votre dossier {{ reference }} : règlement en attente",
        "body": (
            "Bonjour {{ contact }},\n\n"
            "Sauf erreur de notre part, {{ factures_echues }} facture(s) restent impayées sur "
            "votre dossier {{ reference }}, pour un total de {{ encours }} (plus ancienne "
            "échéance : {{ plus_ancienne_echeance }}).\n\n"
            "Pourriez-vous nous indiquer la date à laquelle le règlement sera effectué ? "
            "Nous pouvons aussi convenir ensemble d'un échéancier.\n\n"
            "Bien cordialement,\n"
            "{{ collaborateur }}\n"
            "{{ collaborateur_email }}"
        ),
    },
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    for template in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            channel=template["channel"], name=template["name"], defaults=template
        )


def unseed(apps, schema_editor):
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    for template in TEMPLATES:
        MessageTemplate.objects.filter(channel=template["channel"], name=template["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_groups_message_templates")]

    operations = [migrations.RunPython(seed, unseed)]
