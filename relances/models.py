"""Automatic reminders: scenarios, their steps, the file's run through a scenario and
its one materialised next action (SPEC §12)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.messaging.placeholders import INSTALMENT_PLACEHOLDERS, placeholders_used
from contacts.models import MessageTemplate
from dossiers.models import Dossier
from paiements.models import Instalment

#: the statuses a file enters its scenario in; its regular steps go « en cours » only
ENROLLED_STATUSES = (Dossier.Status.IN_PROGRESS, Dossier.Status.PAYMENT)
#: the statuses a reminder around an instalment goes in (a promise runs, or was broken)
INSTALMENT_STATUSES = (Dossier.Status.IN_PROGRESS, Dossier.Status.PAYMENT)


class Scenario(models.Model):
    """An ordered list of steps; rules say which files follow it, one is the default."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_default = models.BooleanField(_("scénario par défaut"), default=False)
    active = models.BooleanField(_("actif"), default=True)
    # Rules: a non-default scenario applies to the files that match all of them.
    priority = models.PositiveSmallIntegerField(
        _("priorité"), default=100, help_text=_("Le premier scénario dont les règles conviennent.")
    )
    dossier_kind = models.CharField(
        _("type de dossier"),
        max_length=20,
        choices=Dossier.Kind,
        blank=True,
        default="",
        help_text=_("Vide : tous les types."),
    )
    min_outstanding = models.DecimalField(
        _("encours minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_outstanding = models.DecimalField(
        _("encours maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("scénario de relance")
        verbose_name_plural = _("scénarios de relance")
        ordering = ["priority", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="scenario_one_default"
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(active=True), name="scenario_default_is_active"
            ),
            models.CheckConstraint(
                condition=Q(min_outstanding__isnull=True)
                | Q(max_outstanding__isnull=True)
                | Q(min_outstanding__lte=models.F("max_outstanding")),
                name="scenario_outstanding_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def matches(self, *, kind: str, amount) -> bool:
        if self.dossier_kind and self.dossier_kind != kind:
            return False
        if self.min_outstanding is not None and amount < self.min_outstanding:
            return False
        return not (self.max_outstanding is not None and amount > self.max_outstanding)


class ScenarioStep(models.Model):
    class Action(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        LETTER = "letter", _("courrier")
        CALL = "call", _("tâche d'appel")
        TASK = "task", _("autre tâche")

    class Mode(models.TextChoices):
        AUTO = "auto", _("automatique")
        CONFIRM = "confirm", _("à confirmer")
        TASK = "task", _("tâche")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("étape du scénario")
        BEFORE_INSTALMENT = "before_instalment", _("rappel avant échéance")
        AFTER_MISSED = "after_missed", _("relance après échéance manquée")

    SEND_ACTIONS = (Action.EMAIL, Action.SMS, Action.LETTER)
    INSTALMENT_KINDS = (Kind.BEFORE_INSTALMENT, Kind.AFTER_MISSED)

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="steps", verbose_name=_("scénario")
    )
    order = models.PositiveSmallIntegerField(_("ordre"))
    # The regular progression runs only the regular steps; the two others go with the
    # instalments of a running promise, whatever the regular step the file is at.
    kind = models.CharField(
        _("type d'étape"),
        max_length=20,
        choices=Kind,
        default=Kind.REGULAR,
        # Rows written without it (the seed of relances/0002, replayed after a flush by
        # the tests' reference data) are regular steps.
        db_default=Kind.REGULAR,
        help_text=_(
            "Rappel avant échéance : N jours avant chaque échéance d'une promesse ou d'un "
            "échéancier en cours (0 : le jour même). Relance après échéance manquée : N jours "
            "après une échéance non tenue (1 au moins). Ni l'un ni l'autre ne fait avancer "
            "le scénario."
        ),
    )
    label = models.CharField(_("libellé"), max_length=100)
    # Negative: before the due date (J−x), run only while nothing is overdue.
    delay_days = models.SmallIntegerField(
        _("délai (jours)"),
        help_text=_(
            "Première étape : depuis la plus ancienne échéance impayée ; suivantes : depuis "
            "le jour où l'étape précédente a été faite. Négatif : avant l'échéance. "
            "Étapes d'échéancier : N jours avant ou après l'échéance de la promesse."
        ),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modèle"),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode, default=Mode.AUTO)

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["scenario", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "order"], name="step_unique_order"),
            # A send has a template and is automatic or to confirm; a task is a task.
            models.CheckConstraint(
                condition=(
                    Q(action__in=["email", "sms", "letter"])
                    & Q(template__isnull=False)
                    & Q(mode__in=["auto", "confirm"])
                )
                | (Q(action__in=["call", "task"]) & Q(mode="task")),
                name="step_action_matches_mode",
            ),
            # The steps around a promise's instalments are sends, N days before (N ≥ 0)
            # or after (N ≥ 1) the instalment.
            models.CheckConstraint(
                condition=Q(kind="regular")
                | (
                    Q(action__in=["email", "sms", "letter"])
                    & (
                        Q(kind="before_instalment", delay_days__gte=0)
                        | Q(kind="after_missed", delay_days__gte=1)
                    )
                ),
                name="step_instalment_kind_is_send",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} — {self.order}. {self.label}"

    @property
    def is_send(self) -> bool:
        return self.action in self.SEND_ACTIONS

    @property
    def is_instalment(self) -> bool:
        return self.kind in self.INSTALMENT_KINDS

    @property
    def before_due(self) -> bool:
        return self.kind == self.Kind.REGULAR and self.delay_days < 0

    @property
    def delay_label(self) -> str:
        if self.kind == self.Kind.BEFORE_INSTALMENT:
            return _("échéance − %(n)s j") % {"n": self.delay_days}
        if self.kind == self.Kind.AFTER_MISSED:
            return _("échéance manquée + %(n)s j") % {"n": self.delay_days}
        return f"J{self.delay_days:+d}" if self.delay_days else "J"

    def clean(self) -> None:
        errors = {}
        if self.is_send:
            if self.template_id is None:
                errors["template"] = _("Un envoi a besoin d'un modèle.")
            elif self.template.channel != self.action:
                errors["template"] = _("Choisissez un modèle du canal de l'étape.")
            if self.mode == self.Mode.TASK:
                errors["mode"] = _("Un envoi est automatique ou à confirmer.")
        elif self.mode != self.Mode.TASK:
            errors["mode"] = _("Une tâche d'appel ou autre tâche a le mode « tâche ».")
        if self.is_instalment:
            if not self.is_send:
                errors["action"] = _(
                    "Un rappel ou une relance d'échéance est un envoi (e-mail, SMS ou courrier)."
                )
            if self.delay_days is not None:
                if self.kind == self.Kind.BEFORE_INSTALMENT and self.delay_days < 0:
                    errors["delay_days"] = _(
                        "Rappel avant échéance : un nombre de jours positif ou nul (0 : le jour "
                        "de l'échéance)."
                    )
                if self.kind == self.Kind.AFTER_MISSED and self.delay_days < 1:
                    errors["delay_days"] = _(
                        "Relance après échéance manquée : au moins 1 jour après l'échéance."
                    )
        elif self.is_send and self.template_id is not None and "template" not in errors:
            used = set(placeholders_used(self.template))
            if used & set(INSTALMENT_PLACEHOLDERS):
                errors["template"] = _(
                    "Ce modèle parle d'une échéance (%(names)s) : réservé aux rappels et "
                    "relances d'échéance."
                ) % {"names": ", ".join("{{ " + n + " }}" for n in INSTALMENT_PLACEHOLDERS)}
        if errors:
            raise ValidationError(errors)


class ScenarioRun(models.Model):
    """A file's run through one scenario. At most one is active per file."""

    class State(models.TextChoices):
        ACTIVE = "active", _("en cours")
        FINISHED = "finished", _("terminé")
        STOPPED = "stopped", _("arrêté (encours soldé)")
        REPLACED = "replaced", _("remplacé")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="scenario_runs",
        verbose_name=_("dossier"),
        db_index=False,  # run_dossier_idx starts with it
    )
    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, related_name="runs", verbose_name=_("scénario")
    )
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.ACTIVE)
    started_on = models.DateField(_("commencé le"))
    ended_at = models.DateTimeField(_("fini le"), null=True, blank=True)
    paused_until = models.DateField(_("suspendu jusqu'au"), null=True, blank=True)
    pause_reason = models.CharField(_("motif de suspension"), max_length=200, blank=True)
    last_step = models.ForeignKey(
        ScenarioStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dernière étape faite"),
    )
    last_done_on = models.DateField(_("dernière étape faite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier en scénario")
        verbose_name_plural = _("dossiers en scénario")
        ordering = ["-started_on", "-id"]
        permissions = [
            (
                "manage_scenariorun",
                _("Peut suspendre, reprendre ou changer le scénario d'un dossier"),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(state="active"), name="run_one_active_per_dossier"
            )
        ]
        indexes = [models.Index(fields=["dossier", "state"], name="run_dossier_idx")]

    def __str__(self) -> str:
        return f"{self.dossier.reference} — {self.scenario}"

    def is_paused(self, today) -> bool:
        return self.paused_until is not None and self.paused_until > today


class PlannedAction(models.Model):
    """The one materialised next step of a file's run (SPEC §12)."""

    class State(models.TextChoices):
        PLANNED = "planifiee", _("planifiée")
        TO_CONFIRM = "a_confirmer", _("à confirmer")
        SENDING = "en_cours_envoi", _("en cours d'envoi")
        SENT = "envoyee", _("envoyée")
        DONE = "faite", _("faite")
        FAILED = "echec", _("échec")
        IGNORED = "ignoree", _("ignorée")
        CANCELLED = "annulee", _("annulée")

    OPEN_STATES = (State.PLANNED, State.TO_CONFIRM, State.SENDING, State.FAILED)

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="planned_actions",
        verbose_name=_("dossier"),
        db_index=False,  # action_unique_step starts with it
    )
    run = models.ForeignKey(
        ScenarioRun, on_delete=models.CASCADE, related_name="actions", verbose_name=_("scénario")
    )
    step = models.ForeignKey(
        ScenarioStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("étape")
    )
    # Steps around a promise: the instalment this reminder speaks of (exactly once per
    # instalment and step). Empty for the regular steps.
    instalment = models.ForeignKey(
        Instalment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("échéance"),
    )
    state = models.CharField(_("état"), max_length=20, choices=State, default=State.PLANNED)
    due_at = models.DateTimeField(_("prévue le"))
    # No suitable default means: the step waits as a task « Rechercher les coordonnées ».
    contact_search = models.BooleanField(_("recherche de coordonnées"), default=False)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    claim_token = models.CharField(_("jeton de prise en charge"), max_length=32, blank=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("mise en file le"), null=True, blank=True)
    communication = models.ForeignKey(
        "contacts.Communication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("communication"),
    )
    error = models.CharField(_("erreur"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("action planifiée")
        verbose_name_plural = _("actions planifiées")
        ordering = ["due_at", "id"]
        constraints = [
            # The same step can never be done twice for the same file in one run.
            models.UniqueConstraint(
                fields=["dossier", "run", "step"],
                condition=Q(instalment__isnull=True),
                name="action_unique_step",
            ),
            # A reminder around an instalment: once per instalment and step, ever.
            models.UniqueConstraint(
                fields=["instalment", "step"],
                condition=Q(instalment__isnull=False),
                name="action_unique_instalment_step",
            ),
            # One next regular action at a time per run (so per file: one active run).
            models.UniqueConstraint(
                fields=["run"],
                condition=Q(
                    state__in=["planifiee", "a_confirmer", "en_cours_envoi", "echec"],
                    instalment__isnull=True,
                ),
                name="action_one_open_per_run",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="action_state_due_idx"),
            models.Index(fields=["dossier", "-created_at"], name="action_dossier_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} — {self.step.label} ({self.get_state_display()})"


class PlannerLease(models.Model):
    """Serialises planning runs: one row, taken with a conditional UPDATE."""

    key = models.CharField(max_length=20, unique=True, default="planner")
    holder = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_run_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("verrou du planificateur")
        verbose_name_plural = _("verrou du planificateur")

    def __str__(self) -> str:
        return self.key


class AutoSendSwitch(models.Model):
    """« Envoi automatique activé » at run time: a manager's emergency stop in the admin.
    Automatic sends need both this switch and the RELANCES_AUTO_SEND setting."""

    enabled = models.BooleanField(_("envoi automatique activé"), default=True)
    changed_at = models.DateTimeField(_("modifié le"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )

    class Meta:
        verbose_name = _("envoi automatique")
        verbose_name_plural = _("envoi automatique")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="auto_send_switch_singleton")]

    def __str__(self) -> str:
        return str(_("Envoi automatique activé") if self.enabled else _("Envoi automatique arrêté"))


def auto_send_enabled() -> bool:
    """The setting (off in production until turned on) and the admin's switch."""
    if not settings.RELANCES_AUTO_SEND:
        return False
    return not AutoSendSwitch.objects.filter(pk=1, enabled=False).exists()
