from django.db import migrations

from recouvrement.groups import groups_sync


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dossiers", "0001_initial"),
        ("contacts", "0001_initial"),
        ("pieces", "0001_initial"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
