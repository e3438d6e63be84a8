from django.db import migrations

from recouvrement.groups import groups_sync


class Migration(migrations.Migration):
    dependencies = [("rgpd", "0001_initial")]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
