"""Documents kept on a file: everything sent to the client and anything attached."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier


def piece_upload_to(instance: Piece, filename: str) -> str:
    # Never the client's name on disk: a random name in a dated folder.
    return f"pieces/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def thumbnail_upload_to(instance: Piece, filename: str) -> str:
    return f"thumbnails/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class Piece(models.Model):
    class Origin(models.TextChoices):
        UPLOAD = "upload", _("ajoutée")
        LETTER = "letter", _("courrier envoyé")
        EMAIL = "email", _("e-mail envoyé")
        RECEIPT = "receipt", _("quittance")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="pieces", verbose_name=_("dossier")
    )
    file = models.FileField(_("fichier"), upload_to=piece_upload_to, max_length=200)
    original_name = models.CharField(_("nom du document"), max_length=255)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille"))
    thumbnail = models.ImageField(
        _("vignette"), upload_to=thumbnail_upload_to, max_length=200, blank=True, default=""
    )
    origin = models.CharField(_("origine"), max_length=10, choices=Origin, default=Origin.UPLOAD)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ajoutée par"),
    )
    created_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce")
        verbose_name_plural = _("pièces")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dossier", "-created_at"], name="piece_dossier_idx")]

    def __str__(self) -> str:
        return self.original_name
