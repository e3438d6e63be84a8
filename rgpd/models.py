"""Personal data (SPEC §14): who consulted what, and the holds that stop a purge.

These models point at files by id without a database constraint: a trace outlives
the file it mentions, and no app below this one has to know that it exists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier


class ConsultationTrace(models.Model):
    """One opening of a client file, download of a piece or personal-data export."""

    class Action(models.TextChoices):
        DOSSIER_OPENED = "dossier_opened", _("Fiche client consultée")
        PIECE_DOWNLOADED = "piece_downloaded", _("Pièce téléchargée")
        PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Données personnelles exportées")

    at = models.DateTimeField(_("date"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
        db_index=False,  # trace_user_idx starts with it
    )

    class Channel(models.TextChoices):
        WEB = "web", _("application")
        COMMAND = "command", _("commande")

    channel = models.CharField(_("origine"), max_length=10, choices=Channel, default=Channel.WEB)
    action = models.CharField(_("action"), max_length=30, choices=Action)
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
        db_index=False,  # trace_dossier_idx starts with it
    )
    piece_uuid = models.UUIDField(_("pièce"), null=True, blank=True)
    contact_id = models.PositiveBigIntegerField(_("contact"), null=True, blank=True)

    class Meta:
        verbose_name = _("trace de consultation")
        verbose_name_plural = _("traces de consultation")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_personal_data", _("Peut exporter les données personnelles"))]
        indexes = [
            models.Index(fields=["at"], name="trace_at_idx"),
            models.Index(fields=["user", "-at"], name="trace_user_idx"),
            models.Index(fields=["dossier", "-at"], name="trace_dossier_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} — {self.at:%d/%m/%Y %H:%M}"


class LegalHold(models.Model):
    """A reason, known outside the application, to keep a closed file's data (a
    lawsuit, a complaint, an authority's request): no purge while it is open."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("dossier"),
    )
    reason = models.CharField(_("motif"), max_length=300)
    placed_at = models.DateTimeField(_("posé le"), default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posé par"),
    )
    released_at = models.DateTimeField(_("levé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("gel de conservation")
        verbose_name_plural = _("gels de conservation")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(
                fields=["dossier"], condition=Q(released_at=None), name="legal_hold_open_idx"
            )
        ]

    def __str__(self) -> str:
        return self.reason
