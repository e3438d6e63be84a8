from django.db import migrations

from recouvrement.groups import groups_sync


class Migration(migrations.Migration):
    """Grant the collection groups the permissions of the new models."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dossiers", "0002_groups"),
        ("contacts", "0002_message_templates_and_communications"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
