"""The versions of what the client file shows (fiche/versioning.py): one row per
file, and the row of id 0 for the data every file's page shows (users and their
rights, scenarios, dispute reasons, templates). Written by triggers only."""

from django.db import models


class FileVersion(models.Model):
    # No foreign key: a version row is never locked by, nor locks, the file's row.
    dossier_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "version de fiche"

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.version}"
