"""Client files (dossiers), their receivables, notes and journal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_siren


class Dossier(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "particulier", _("Particulier")
        COMPANY = "professionnel", _("Professionnel")

    class Status(models.TextChoices):
        INACTIVE = "inactif", _("Inactif")
        IN_PROGRESS = "en_cours", _("En cours")
        CONTACT_CHECK = "verification_coordonnees", _("Vérification coordonnées")
        EXTERNAL_ACTIONS = "actions_externes", _("Actions externes")
        PAYMENT = "paiement", _("Paiement")
        LITIGATION = "judiciaire", _("Judiciaire")
        CLOSED = "cloture", _("Clôturé")

    reference = models.CharField(_("référence"), max_length=50, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.INDIVIDUAL)
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, default="", validators=[validate_siren]
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborateur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_dossiers",
        # No index of its own: dossier_assigned_idx and dossier_next_action_idx
        # start with it (an index costs every write of the row, imports included).
        db_index=False,
    )
    status = models.CharField(
        _("statut"), max_length=30, choices=Status, default=Status.IN_PROGRESS
    )
    next_action = models.CharField(_("prochaine action"), max_length=200, blank=True, default="")
    next_action_date = models.DateField(_("date de la prochaine action"), null=True, blank=True)
    # Kept up to date by the services whenever receivables change, so that the list
    # sorts a million files by money and age on an index instead of an aggregate.
    outstanding = models.DecimalField(
        _("encours"), max_digits=14, decimal_places=2, default=0, editable=False
    )
    oldest_due_date = models.DateField(
        _("plus ancienne échéance impayée"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["reference"]
        permissions = [
            ("reassign_dossier", _("Peut réaffecter un dossier")),
            ("follow_up_dossier", _("Peut changer le statut et la prochaine action d'un dossier")),
        ]
        indexes = [
            models.Index(fields=["-outstanding", "reference"], name="dossier_outstanding_idx"),
            models.Index(fields=["oldest_due_date", "reference"], name="dossier_age_idx"),
            models.Index(fields=["assigned_to", "-outstanding"], name="dossier_assigned_idx"),
            models.Index(
                fields=["assigned_to", "next_action_date"], name="dossier_next_action_idx"
            ),
            models.Index(fields=["name"], name="dossier_name_idx"),
            # Declared here rather than db_index=True, which on PostgreSQL adds a
            # second, LIKE-pattern index that no query of a status uses.
            models.Index(fields=["status"], name="dossier_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(siren="") | Q(siren__regex=r"^[0-9]{9}$"),
                name="dossier_siren_nine_digits",
            ),
            models.CheckConstraint(
                condition=Q(siren="") | Q(kind="professionnel"),
                name="dossier_siren_only_for_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.name}"

    @property
    def days_overdue(self) -> int | None:
        return self.days_overdue_on(timezone.localdate())

    def days_overdue_on(self, today) -> int | None:
        """Days since the oldest unpaid due date, None when nothing is late (a list
        reads today's date once for its rows)."""
        if self.oldest_due_date is None:
            return None
        days = (today - self.oldest_due_date).days
        return days if days > 0 else None


class Receivable(models.Model):
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="receivables",
        verbose_name=_("dossier"),
        db_index=False,  # receivable_unique_number (dossier, number) starts with it
    )
    number = models.CharField(_("numéro de facture"), max_length=50)
    issue_date = models.DateField(_("date d'émission"))
    due_date = models.DateField(_("date d'échéance"))
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2)
    balance = models.DecimalField(_("reste dû"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("créance")
        verbose_name_plural = _("créances")
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="receivable_unique_number"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="receivable_amount_positive"),
            models.CheckConstraint(
                condition=Q(balance__gte=0) & Q(balance__lte=models.F("amount")),
                name="receivable_balance_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")),
                name="receivable_due_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_overdue(self) -> bool:
        return self.balance > 0 and self.due_date < timezone.localdate()


class Note(models.Model):
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("dossier"),
        db_index=False,  # note_dossier_idx starts with it
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    text = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dossier", "-created_at"], name="note_dossier_idx")]

    def __str__(self) -> str:
        return self.text[:60]


class ForbiddenTerm(models.Model):
    """A term that has no place in an observation or a note (CNIL rule on free text)."""

    class Category(models.TextChoices):
        SUBJECTIVE = "subjectif", _("jugement subjectif")
        INSULT = "injure", _("terme injurieux")
        HEALTH = "sante", _("santé")
        RELIGION = "religion", _("convictions religieuses")
        OPINION = "opinion", _("opinions politiques ou philosophiques")
        UNION = "syndicat", _("appartenance syndicale")
        SEXUAL = "sexualite", _("vie ou orientation sexuelle")
        ORIGIN = "origine", _("origine raciale ou ethnique")
        OFFENCE = "infraction", _("infractions, condamnations")

    term = models.CharField(_("terme"), max_length=100, unique=True)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category)
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("terme interdit")
        verbose_name_plural = _("termes interdits")
        ordering = ["category", "term"]

    def __str__(self) -> str:
        return self.term


class JournalEntry(models.Model):
    """Append-only history of a file. Written by services only, never edited."""

    class ActorKind(models.TextChoices):
        USER = "user", _("utilisateur")
        IMPORT = "import", _("import")
        SYSTEM = "system", _("système")

    class Action(models.TextChoices):
        DOSSIER_CREATED = "dossier_created", _("Dossier créé")
        DOSSIER_UPDATED = "dossier_updated", _("Dossier modifié")
        STATUS_CHANGED = "status_changed", _("Statut modifié")
        REASSIGNED = "reassigned", _("Réaffectation")
        NEXT_ACTION = "next_action", _("Prochaine action")
        RECEIVABLE_IMPORTED = "receivable_imported", _("Créances importées")
        CONTACT_CREATED = "contact_created", _("Contact ajouté")
        CONTACT_UPDATED = "contact_updated", _("Contact modifié")
        POINT_CREATED = "point_created", _("Moyen de contact ajouté")
        POINT_UPDATED = "point_updated", _("Moyen de contact modifié")
        POINT_VALIDATED = "point_validated", _("Moyen de contact validé")
        POINT_INVALIDATED = "point_invalidated", _("Moyen de contact invalidé")
        POINT_VALIDATION_CANCELLED = "point_validation_cancelled", _("Validation annulée")
        DEFAULT_CHANGED = "default_changed", _("Moyen par défaut changé")
        EVIDENCE = "evidence", _("Preuve enregistrée")
        CALL = "call", _("Appel")
        LETTER = "letter", _("Courrier")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        NOTE = "note", _("Note")
        PIECE_ADDED = "piece_added", _("Pièce ajoutée")
        PIECE_DELETED = "piece_deleted", _("Pièce supprimée")
        IMPORT = "import", _("Import")
        # Scenario events of the relances app (enrolment, pause, change, tasks).
        REMINDER = "relance", _("Relance")
        # paiements
        PAYMENT = "payment", _("Paiement")
        PROMISE_CREATED = "promise_created", _("Promesse de paiement")
        INSTALMENT_KEPT = "instalment_kept", _("Échéance tenue")
        PROMISE_BROKEN = "promise_broken", _("Promesse non tenue")
        PROMISE_KEPT = "promise_kept", _("Promesse tenue")
        PROMISE_CANCELLED = "promise_cancelled", _("Promesse annulée")
        DISPUTE_OPENED = "dispute_opened", _("Litige ouvert")
        DISPUTE_RESOLVED = "dispute_resolved", _("Litige résolu")
        EXTERNAL_ACTION = "external_action", _("Action externe demandée")
        EXTERNAL_ANSWER = "external_answer", _("Action externe répondue")
        PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Données personnelles exportées")
        PERSONAL_DATA_PURGED = "personal_data_purged", _("Données personnelles purgées")
        LEGAL_HOLD = "legal_hold", _("Gel de conservation")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="journal",
        verbose_name=_("dossier"),
        db_index=False,  # journal_dossier_idx starts with it
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_kind = models.CharField(
        _("origine"), max_length=10, choices=ActorKind, default=ActorKind.USER
    )
    action = models.CharField(_("action"), max_length=40, choices=Action)
    message = models.TextField(_("détail"))
    data = models.JSONField(_("données"), default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dossier", "-created_at"], name="journal_dossier_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} — {self.message[:60]}"

    @property
    def actor_label(self) -> str:
        if self.actor_kind == self.ActorKind.USER and self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        return str(self.get_actor_kind_display())
