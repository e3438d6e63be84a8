from django.db import migrations

from recouvrement.groups import groups_sync

REASONS = [
    "Facture contestée (montant)",
    "Prestation non conforme",
    "Marchandise non livrée",
    "Marchandise endommagée",
    "Déjà payé",
    "Avoir attendu",
    "Erreur de facturation",
    "Autre",
]


def seed_reasons(apps, schema_editor):
    DisputeReason = apps.get_model("paiements", "DisputeReason")
    for label in REASONS:
        DisputeReason.objects.get_or_create(label=label)


class Migration(migrations.Migration):
    dependencies = [("paiements", "0001_initial")]

    operations = [
        migrations.RunPython(groups_sync, migrations.RunPython.noop),
        migrations.RunPython(seed_reasons, migrations.RunPython.noop),
    ]
