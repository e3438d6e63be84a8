"""Contacts of a file, their contact means (postal, e-mail, phone) and the evidence
that qualifies each means."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from dossiers.models import Dossier

from .normalize import phone_display

POSTAL_LINE_LENGTH = 38  # AFNOR XPZ 10-011: at most 38 characters a line


class Contact(models.Model):
    class Civility(models.TextChoices):
        NONE = "", _("—")
        MR = "M.", _("M.")
        MRS = "Mme", _("Mme")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("dossier")
    )
    # The person's key within the file in the system that imported it.
    external_key = models.CharField(_("clé externe"), max_length=100, blank=True, default="")
    civility = models.CharField(
        _("civilité"), max_length=5, choices=Civility, blank=True, default=""
    )
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True, default="")
    function = models.CharField(_("fonction"), max_length=100, blank=True, default="")
    observation = models.TextField(_("observation"), max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "external_key"],
                condition=~Q(external_key=""),
                name="contact_unique_external_key",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        parts = [self.civility, self.first_name, self.last_name]
        return " ".join(part for part in parts if part)


class ContactPointQuerySet(models.QuerySet):
    def visible(self, show_invalid: bool):
        return self if show_invalid else self.exclude(status=ContactPoint.Status.INVALID)


class ContactPoint(models.Model):
    """One means of reaching a contact: a postal address, an e-mail or a phone."""

    class Kind(models.TextChoices):
        POSTAL = "postal", _("courrier")
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("téléphone")

    class Status(models.TextChoices):
        PENDING = "pending", _("À qualifier")
        VALID = "valid", _("Validé")
        INVALID = "invalid", _("Invalide")

    class PhoneType(models.TextChoices):
        NONE = "", _("—")
        MOBILE = "mobile", _("mobile")
        LANDLINE = "fixe", _("fixe")
        OTHER = "autre", _("autre")

    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name=_("contact"),
        db_index=False,  # point_unique_per_contact (contact, kind, value_key) starts with it
    )
    # Denormalised from the contact so that the database itself can hold the rule
    # "at most one default per file and kind, across all the file's contacts".
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="contact_points",
        verbose_name=_("dossier"),
        db_index=False,  # point_dossier_idx (dossier, kind, status) starts with it
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind)
    status = models.CharField(
        _("qualification"), max_length=10, choices=Status, default=Status.PENDING
    )
    is_default = models.BooleanField(_("par défaut"), default=False)
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("qualifié le"), null=True, blank=True)
    # The evidence or manual action that put the means in its current state.
    last_evidence = models.ForeignKey(
        "Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dernière preuve"),
    )

    email = models.EmailField(_("e-mail"), blank=True, default="")
    phone = PhoneNumberField(_("téléphone"), blank=True, default="", region="FR")
    phone_type = models.CharField(
        _("type de ligne"), max_length=10, choices=PhoneType, blank=True, default=""
    )
    address_line1 = models.CharField(
        _("adresse ligne 1"), max_length=POSTAL_LINE_LENGTH, blank=True, default=""
    )
    address_line2 = models.CharField(
        _("adresse ligne 2"), max_length=POSTAL_LINE_LENGTH, blank=True, default=""
    )
    address_line3 = models.CharField(
        _("adresse ligne 3"), max_length=POSTAL_LINE_LENGTH, blank=True, default=""
    )
    postcode = models.CharField(_("code postal"), max_length=10, blank=True, default="")
    city = models.CharField(_("ville"), max_length=POSTAL_LINE_LENGTH, blank=True, default="")
    country = models.CharField(_("pays"), max_length=2, blank=True, default="FR")
    # What makes two means the same means: E.164 phone, lower-cased e-mail,
    # normalised address lines and postcode. Also what search looks up.
    # Indexed in Meta.indexes: looked up by equality only (search, event import), so
    # without the LIKE-pattern twin that db_index=True adds on PostgreSQL.
    value_key = models.CharField(_("valeur normalisée"), max_length=300)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    # Who typed it in; empty for means that came from an import.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        verbose_name = _("moyen de contact")
        verbose_name_plural = _("moyens de contact")
        ordering = ["kind", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind"],
                condition=Q(is_default=True),
                name="one_default_per_dossier_kind",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(status="valid"),
                name="default_is_valid",
            ),
            models.CheckConstraint(
                condition=(
                    (Q(kind="email") & ~Q(email=""))
                    | (Q(kind="phone") & ~Q(phone=""))
                    | (Q(kind="postal") & ~Q(address_line1="") & ~Q(city=""))
                ),
                name="point_value_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["contact", "kind", "value_key"], name="point_unique_per_contact"
            ),
        ]
        indexes = [
            models.Index(fields=["dossier", "kind", "status"], name="point_dossier_idx"),
            models.Index(fields=["value_key"], name="point_value_key_idx"),
        ]

    def __str__(self) -> str:
        return self.display_value

    @property
    def display_value(self) -> str:
        if self.kind == self.Kind.PHONE:
            return phone_display(self.phone)
        if self.kind == self.Kind.EMAIL:
            return self.email
        return ", ".join(self.address_lines)

    @property
    def address_lines(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, self.address_line3]
        town = f"{self.postcode} {self.city}".strip()
        lines.append(town)
        if self.country and self.country != "FR":
            lines.append(self.country)
        return [line for line in lines if line]

    @property
    def is_mobile(self) -> bool:
        return self.kind == self.Kind.PHONE and self.phone_type == self.PhoneType.MOBILE


class Evidence(models.Model):
    """Why a means is in its state: a piece of evidence or a manual action."""

    class Kind(models.TextChoices):
        CALL_COMPLETED = "appel_abouti", _("appel abouti")
        CALL_INCOMING = "appel_entrant", _("appel entrant")
        WRONG_NUMBER = "faux_numero", _("faux numéro")
        RECEIPT_ACK = "accuse_reception", _("accusé de réception signé")
        LETTER_INCOMING = "courrier_entrant", _("courrier entrant")
        NPAI = "npai", _("courrier retourné NPAI")
        EMAIL_REPLY = "email_recu", _("réponse par e-mail")
        BOUNCE = "bounce", _("e-mail rejeté (bounce)")
        MANUAL_VALIDATE = "validation_manuelle", _("validation manuelle")
        MANUAL_INVALIDATE = "invalidation_manuelle", _("invalidation manuelle")
        MANUAL_CANCEL = "annulation_validation", _("validation annulée")
        IMPORTED = "import", _("import")

    class Source(models.TextChoices):
        UI = "ui", _("application")
        IMPORT = "import", _("import")
        SYSTEM = "system", _("système")

    point = models.ForeignKey(
        ContactPoint,
        on_delete=models.CASCADE,
        related_name="evidences",
        verbose_name=_("moyen de contact"),
    )
    kind = models.CharField(_("type"), max_length=30, choices=Kind)
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.UI)
    source_detail = models.CharField(_("précision"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )
    comment = models.CharField(_("commentaire"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("enregistré le"), default=timezone.now)

    class Meta:
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.occurred_at:%d/%m/%Y})"


class MessageTemplate(models.Model):
    """A letter, SMS or e-mail model (*modèle*) managed in the admin.

    Its text may only use the placeholders of ``contacts.messaging.placeholders``
    (``{{ reference }}``, ``{{ encours }}``…); it is never given to the Django
    template engine. An unknown placeholder is refused when the template is saved.
    """

    class Channel(models.TextChoices):
        LETTER = "letter", _("courrier")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    name = models.CharField(_("nom"), max_length=100)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel)
    subject = models.CharField(
        _("objet"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Objet du courrier ou de l'e-mail (inutile pour un SMS)."),
    )
    body = models.TextField(_("texte"), max_length=10000)
    active = models.BooleanField(_("actif"), default=True)
    # The first letter to the debtor: its CPCE R124-4 mentions are checked on save.
    first_letter = models.BooleanField(
        _("premier courrier au débiteur"),
        default=False,
        # Also in the database: the seed migration of templates, replayed by tests
        # with its historical model, does not know the column.
        db_default=False,
        help_text=_(
            "Courrier de premier contact d'un recouvrement amiable pour autrui : ses "
            "mentions obligatoires (CPCE R. 124-4) sont vérifiées à l'enregistrement."
        ),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("modèle de message")
        verbose_name_plural = _("modèles de message")
        ordering = ["channel", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "name"], name="message_template_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["letter", "sms", "email"]),
                name="message_template_channel_known",
            ),
            models.CheckConstraint(
                condition=Q(first_letter=False) | Q(channel="letter"),
                name="message_template_first_letter_is_a_letter",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from recouvrement.text import has_control

        from .messaging.placeholders import placeholders_check

        errors = {}
        for field in ("subject", "body"):
            try:
                placeholders_check(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        # A template that cannot be sent is not saved: a CR in a subject would make
        # every e-mail built from it fail.
        if has_control(self.subject, multiline=False):
            errors.setdefault("subject", []).append(
                _(
                    "L'objet ne peut contenir ni retour à la ligne, ni tabulation, ni "
                    "caractère de contrôle : aucun e-mail ne pourrait être envoyé avec."
                )
            )
        if has_control(self.body):
            errors.setdefault("body", []).append(
                _("Le texte contient un caractère de contrôle (invisible) : retirez-le.")
            )
        if self.channel in (self.Channel.LETTER, self.Channel.EMAIL) and not self.subject.strip():
            errors.setdefault("subject", []).append(
                _("Un courrier ou un e-mail a besoin d'un objet.")
            )
        # Legal mentions (issue 13): L111-8 for every template, R124-4 for the first letter.
        from .messaging.legal import collection_costs_error, first_letter_missing

        costs = collection_costs_error(f"{self.subject}\n{self.body}")
        if costs:
            errors.setdefault("body", []).append(costs)
        if self.first_letter:
            if self.channel != self.Channel.LETTER:
                errors.setdefault("first_letter", []).append(
                    _("Seul un modèle de courrier peut être le premier courrier.")
                )
            missing = first_letter_missing(f"{self.subject}\n{self.body}")
            if missing:
                errors.setdefault("body", []).append(
                    _("Mentions obligatoires manquantes (CPCE R. 124-4) : %(missing)s.")
                    % {"missing": " ; ".join(missing)}
                )
        if errors:
            raise ValidationError(errors)


class Communication(models.Model):
    """One contact with the debtor: a call (its report), a letter, an SMS, an e-mail.

    Written by the services of ``contacts.messaging.services`` only, each with its
    journal entry; kept so that delivery statuses can be followed and shown.
    """

    class Channel(models.TextChoices):
        CALL = "call", _("appel")
        LETTER = "letter", _("courrier")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class Direction(models.TextChoices):
        OUTGOING = "out", _("sortant")
        INCOMING = "in", _("entrant")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        COMPLETED = "abouti", _("abouti")
        NO_ANSWER = "non_abouti", _("non abouti")
        VOICEMAIL = "messagerie", _("messagerie")
        WRONG_NUMBER = "faux_numero", _("faux numéro")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("enregistré")
        GENERATED = "generated", _("généré")
        # Committed before an SMS or e-mail is handed over, so that a send whose
        # recording fails afterwards is never missing from the file.
        SENDING = "sending", _("en cours d'envoi")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec")

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="communications",
        verbose_name=_("dossier"),
        db_index=False,  # communication_dossier_idx starts with it
    )
    point = models.ForeignKey(
        ContactPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communications",
        verbose_name=_("moyen de contact"),
    )
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modèle"),
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel)
    direction = models.CharField(
        _("sens"), max_length=3, choices=Direction, default=Direction.OUTGOING
    )
    outcome = models.CharField(
        _("résultat de l'appel"), max_length=20, choices=Outcome, blank=True, default=""
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status)
    # What the provider says about delivery (SMS: "accepted", "delivered"…).
    delivery_status = models.CharField(_("remise"), max_length=30, blank=True, default="")
    provider_id = models.CharField(
        _("identifiant fournisseur"), max_length=100, blank=True, default=""
    )
    # A snapshot: the means may be edited later, the communication went there.
    recipient = models.CharField(_("destinataire"), max_length=300, blank=True, default="")
    subject = models.CharField(_("objet"), max_length=200, blank=True, default="")
    body = models.TextField(_("texte"), blank=True, default="")
    error = models.CharField(_("erreur"), max_length=300, blank=True, default="")
    piece = models.ForeignKey(
        "pieces.Piece",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pièce"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "-created_at"], name="communication_dossier_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="call") & ~Q(outcome=""))
                | (~Q(channel="call") & Q(outcome="")),
                name="communication_outcome_only_for_calls",
            ),
            models.CheckConstraint(
                condition=Q(direction="out") | Q(channel="call"),
                name="communication_incoming_only_for_calls",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} — {self.recipient}"
