"""The versions of what the client file shows (fiche/versioning.py), written by the
database's triggers only: on SQLite one row per file (``FileVersion``), on PostgreSQL
an append-only log (``FileChange``); id 0 is the data every file's page shows (users
and their rights, scenarios, dispute reasons, templates); a file's id negated is its
tabs' version (notes, pieces, journal: ``fiche.versioning.tabs_id``)."""

from django.db import models


class FileVersion(models.Model):
    # No foreign key: a version row is never locked by, nor locks, the file's row.
    dossier_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "version de fiche"

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.version}"


class FileChange(models.Model):
    """PostgreSQL's versions (fiche/versioning.py): one row appended per file and
    statement that changes it, never updated, so that no writer waits for another's
    version row (an import's transaction holds its rows until it commits). A file's
    version is the count and the sum of its rows' random numbers: a committed row
    changes both, in whatever order transactions commit."""

    dossier_id = models.BigIntegerField()
    r = models.BigIntegerField()

    class Meta:
        verbose_name = "changement de fiche"
        # The version's read: an index-only scan of the file's rows.
        indexes = [models.Index(fields=["dossier_id", "r"], name="fiche_change_dossier_r")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.r}"
