from django.db import migrations

from recouvrement.groups import groups_sync


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0006_follow_up_permission")]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
