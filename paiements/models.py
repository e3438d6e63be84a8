"""Payments and their allocation, promises to pay, disputes and external actions.

Depends on ``dossiers`` (one way): nothing in dossiers, contacts or pieces imports
this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, Receivable


class Payment(models.Model):
    """Money received for a file. ``unallocated`` is what no invoice took: a credit."""

    class Mode(models.TextChoices):
        TRANSFER = "virement", _("Virement")
        CHEQUE = "cheque", _("Chèque")
        CARD = "carte", _("Carte")
        DIRECT_DEBIT = "prelevement", _("Prélèvement")
        CASH = "especes", _("Espèces")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="payments",
        verbose_name=_("dossier"),
        db_index=False,  # payment_dossier_date_idx starts with it
    )
    # The external key of an imported payment; a payment entered by hand may have none.
    reference = models.CharField(_("référence"), max_length=60, blank=True, default="")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    mode = models.CharField(_("mode"), max_length=15, choices=Mode)
    invoice_number = models.CharField(_("facture désignée"), max_length=50, blank=True, default="")
    unallocated = models.DecimalField(
        _("non lettré (avoir)"), max_digits=14, decimal_places=2, default=0
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-date", "-id"]
        permissions = [("view_dashboard", _("Peut voir le tableau de bord"))]
        indexes = [
            models.Index(fields=["dossier", "date"], name="payment_dossier_date_idx"),
            # The dashboard's « encaissé par mois »: covering, so that a year of
            # payments is summed from the index alone (reading each row from the
            # table, SQLite took 12 times longer than a scan of the table).
            models.Index(fields=["date", "amount"], name="payment_date_amount_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="payment_unique_reference",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0) & Q(unallocated__lte=F("amount")),
                name="payment_unallocated_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.date:%d/%m/%Y} {self.amount}"

    @property
    def allocated(self):
        return self.amount - self.unallocated


class Allocation(models.Model):
    """The part of a payment applied to one invoice (*lettrage*)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("paiement")
    )
    receivable = models.ForeignKey(
        Receivable,
        on_delete=models.CASCADE,
        related_name="allocations",
        verbose_name=_("créance"),
    )
    amount = models.DecimalField(_("montant lettré"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("lettrage")
        verbose_name_plural = _("lettrages")
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "receivable"], name="allocation_unique_receivable"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.receivable}"


class Promise(models.Model):
    """A promise to pay: one instalment (an amount and a date) or a plan of several."""

    class Status(models.TextChoices):
        RUNNING = "en_cours", _("En cours")
        KEPT = "tenue", _("Tenue")
        BROKEN = "non_tenue", _("Non tenue")
        CANCELLED = "annulee", _("Annulée")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="promises",
        verbose_name=_("dossier"),
        db_index=False,  # promise_dossier_status_idx starts with it
    )
    # Empty: the promise covers the whole outstanding of the file.
    receivables = models.ManyToManyField(
        Receivable, blank=True, related_name="promises", verbose_name=_("factures")
    )
    status = models.CharField(_("statut"), max_length=12, choices=Status, default=Status.RUNNING)
    # Payments dated from this day count towards the instalments.
    start_date = models.DateField(_("date de la promesse"), default=timezone.localdate)
    comment = models.CharField(_("commentaire"), max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )
    created_at = models.DateTimeField(_("enregistrée le"), default=timezone.now, editable=False)
    closed_on = models.DateField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("promesse de paiement")
        verbose_name_plural = _("promesses de paiement")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "status"], name="promise_dossier_status_idx"),
            models.Index(fields=["status", "closed_on"], name="promise_status_closed_idx"),
        ]
        constraints = [
            # One running promise per file: a new one replaces (cancels) the old.
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status="en_cours"),
                name="promise_one_running_per_dossier",
            ),
            models.CheckConstraint(
                condition=Q(status="en_cours", closed_on__isnull=True)
                | (~Q(status="en_cours") & Q(closed_on__isnull=False)),
                name="promise_closed_iff_not_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier.reference} — {self.get_status_display()}"


class Instalment(models.Model):
    """One due date of a promise (*échéance*)."""

    class State(models.TextChoices):
        PENDING = "a_venir", _("À venir")
        KEPT = "tenue", _("Tenue")
        MISSED = "non_tenue", _("Non tenue")

    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("promesse")
    )
    due_date = models.DateField(_("échéance"))
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.PENDING)

    class Meta:
        verbose_name = _("échéance")
        verbose_name_plural = _("échéances")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["state", "due_date"], name="instalment_state_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["promise", "due_date"], name="instalment_unique_date"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date:%d/%m/%Y} {self.amount}"


class DisputeReason(models.Model):
    label = models.CharField(_("motif"), max_length=100, unique=True)
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("motif de litige")
        verbose_name_plural = _("motifs de litige")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Dispute(models.Model):
    """A dispute (*litige*) on some invoices: they leave the reminders' amount while open."""

    class Status(models.TextChoices):
        OPEN = "ouvert", _("Ouvert")
        ACCEPTED = "accepte", _("Accepté (avoir)")
        REJECTED = "rejete", _("Rejeté")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="disputes",
        verbose_name=_("dossier"),
        db_index=False,  # dispute_dossier_status_idx starts with it
    )
    receivables = models.ManyToManyField(
        Receivable, related_name="disputes", verbose_name=_("factures")
    )
    reason = models.ForeignKey(
        DisputeReason, on_delete=models.PROTECT, related_name="+", verbose_name=_("motif")
    )
    comment = models.TextField(_("commentaire"), max_length=2000, blank=True, default="")
    follow_up_date = models.DateField(_("date de relance"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.OPEN)
    resolution = models.TextField(_("résolution"), max_length=2000, blank=True, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ouvert par"),
    )
    created_at = models.DateTimeField(_("ouvert le"), default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("litige")
        verbose_name_plural = _("litiges")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "status"], name="dispute_dossier_status_idx"),
            models.Index(fields=["status", "follow_up_date"], name="dispute_follow_up_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="ouvert", resolved_at__isnull=True)
                | (~Q(status="ouvert") & Q(resolved_at__isnull=False)),
                name="dispute_resolved_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier.reference} — {self.reason}"


class ExternalAction(models.Model):
    """A request to someone outside the team, with a deadline and an answer."""

    class Recipient(models.TextChoices):
        ACCOUNTING = "comptabilite", _("Comptabilité")
        SALES = "commercial", _("Commercial")
        MANAGER = "responsable", _("Responsable")
        LAWYER = "avocat", _("Avocat")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="external_actions",
        verbose_name=_("dossier"),
        db_index=False,  # external_action_dossier_idx starts with it
    )
    receivables = models.ManyToManyField(
        Receivable, blank=True, related_name="external_actions", verbose_name=_("factures")
    )
    recipient = models.CharField(_("destinataire"), max_length=15, choices=Recipient)
    request = models.TextField(_("demande"), max_length=2000)
    deadline = models.DateField(_("échéance"))
    answer = models.TextField(_("réponse"), max_length=2000, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now, editable=False)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("action externe")
        verbose_name_plural = _("actions externes")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["dossier", "answered_at"], name="external_action_dossier_idx"),
            models.Index(fields=["answered_at", "deadline"], name="external_action_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                name="external_action_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier.reference} — {self.get_recipient_display()}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None
