"""Writes of the communication actions: call reports, letters, SMS and e-mails.

Each service writes its ``Communication`` and its journal entry (channel, means,
template, who, outcome) in one transaction. Sending (SMTP, SMS provider) happens
BEFORE that transaction opens: holding the database's write lock while a remote
server answers would stall every other agent (SQLite takes it at BEGIN). A failed
send is recorded and journaled as failed, and returned to the caller, who shows
the agent a clear message; validation errors raise ``CommunicationError`` before
anything is written or sent.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry
from dossiers.services import dossier_lock, journal_record, user_label

from ..models import Communication, ContactPoint, Evidence, MessageTemplate
from ..services import evidence_record
from .letters import Letter, letter_pdf
from .placeholders import PlaceholderError, placeholder_values, placeholders_render
from .sms import sms_length, sms_normalize
from .sms_backends import SmsSendError, get_sms_backend

Action = JournalEntry.Action
Channel = Communication.Channel
Outcome = Communication.Outcome
Status = Communication.Status

SMS_MAX_SEGMENTS = 6

# What a call report tells about the number (SPEC §2 evidence rules).
CALL_EVIDENCE = {
    Outcome.COMPLETED: Evidence.Kind.CALL_COMPLETED,
    Outcome.WRONG_NUMBER: Evidence.Kind.WRONG_NUMBER,
}


class CommunicationError(ValueError):
    """The action cannot be done as asked (message for the agent)."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def _check_point(*, dossier: Dossier, point: ContactPoint, kind: str, mobile: bool = False):
    if point.dossier_id != dossier.pk or point.kind != kind:
        raise CommunicationError(_("Ce moyen de contact n'appartient pas à ce dossier."))
    if point.status == ContactPoint.Status.INVALID:
        raise CommunicationError(
            _("%(value)s est invalide : choisissez un autre moyen de contact.")
            % {"value": point.display_value}
        )
    if mobile and not point.is_mobile:
        raise CommunicationError(
            _("%(value)s n'est pas un mobile : un SMS ne peut être envoyé qu'à un mobile.")
            % {"value": point.display_value}
        )


def _means_data(point: ContactPoint, template: MessageTemplate | None) -> dict:
    return {
        "point": point.pk,
        "means": point.display_value,
        "kind": point.kind,
        "template": template.pk if template else None,
        "template_name": template.name if template else "",
    }


def _with_note(message: str, note: str) -> str:
    return f"{message} {note}" if note else message


def message_render(
    *,
    dossier: Dossier,
    point: ContactPoint | None = None,
    subject: str = "",
    body: str = "",
    template: MessageTemplate | None = None,
) -> RenderedMessage:
    """The subject and body with their placeholders replaced (template text if none given)."""
    if template is not None:
        subject = subject or template.subject
        body = body or template.body
    values = placeholder_values(dossier=dossier, contact=point.contact if point else None)
    try:
        return RenderedMessage(
            subject=placeholders_render(subject, values),
            body=placeholders_render(body, values),
        )
    except PlaceholderError as exc:
        raise CommunicationError(" ".join(exc.messages)) from exc


# --- Calls ------------------------------------------------------------------------


@transaction.atomic
def call_report_record(
    *,
    point: ContactPoint,
    outcome: str,
    comment: str = "",
    incoming: bool = False,
    user,
) -> Communication:
    """Record a call report; « abouti » validates the number, « faux numéro »
    invalidates it, an incoming call validates it (contact evidence rules)."""
    dossier = dossier_lock(dossier_id=point.dossier_id)
    _check_point(dossier=dossier, point=point, kind=ContactPoint.Kind.PHONE)
    if incoming:
        outcome = Outcome.COMPLETED
    if outcome not in Outcome.values or outcome == Outcome.NONE:
        raise CommunicationError(_("Choisissez le résultat de l'appel."))
    communication = Communication.objects.create(
        dossier=dossier,
        point=point,
        channel=Channel.CALL,
        direction=Communication.Direction.INCOMING
        if incoming
        else Communication.Direction.OUTGOING,
        outcome=outcome,
        status=Status.RECORDED,
        recipient=point.display_value,
        body=comment,
        sent_by=user,
    )
    label = Outcome(outcome).label
    if incoming:
        message = _("Appel entrant de %(value)s (%(contact)s).")
    else:
        message = _("Appel vers %(value)s (%(contact)s) : %(outcome)s.")
    message = message % {
        "value": point.display_value,
        "contact": point.contact.full_name,
        "outcome": label,
    }
    if comment:
        message = f"{message} {comment}"
    journal_record(
        dossier=dossier,
        action=Action.CALL,
        actor=user,
        message=message,
        data={
            **_means_data(point, None),
            "channel": Channel.CALL,
            "communication": communication.pk,
            "direction": communication.direction,
            "outcome": outcome,
        },
    )
    evidence_kind = Evidence.Kind.CALL_INCOMING if incoming else CALL_EVIDENCE.get(outcome)
    if evidence_kind is not None:
        evidence_record(
            point=point,
            kind=evidence_kind,
            user=user,
            source_detail=_("compte rendu d'appel"),
            comment=comment[:500],
        )
    return communication


# --- Letters ----------------------------------------------------------------------


def _sender_place(lines: list[str]) -> str:
    last = lines[-1] if lines else ""
    head, _sep, tail = last.partition(" ")
    return tail.title() if head.isdigit() and tail else last


def letter_build(
    *, dossier: Dossier, point: ContactPoint, template: MessageTemplate, user
) -> Letter:
    """The letter as it will be printed (for the preview and the PDF)."""
    _check_point(dossier=dossier, point=point, kind=ContactPoint.Kind.POSTAL)
    if template.channel != MessageTemplate.Channel.LETTER or not template.active:
        raise CommunicationError(_("Choisissez un modèle de courrier actif."))
    rendered = message_render(dossier=dossier, point=point, template=template)
    sender = list(settings.LETTER_SENDER_LINES)
    signer = dossier.assigned_to or user
    return Letter(
        sender_lines=sender,
        recipient_lines=[point.contact.full_name, *point.address_lines],
        place=_sender_place(sender),
        date=timezone.localdate(),
        reference=dossier.reference,
        subject=rendered.subject,
        body=rendered.body,
        signature=user_label(signer),
    )


def letter_send(
    *,
    dossier: Dossier,
    point: ContactPoint,
    template: MessageTemplate,
    user,
    journal_data: dict | None = None,
    journal_note: str = "",
) -> Communication:
    """Generate the PDF addressed to the postal means and keep it as a piece.

    ``user=None``: sent by the system (automatic reminders); ``journal_data`` and
    ``journal_note`` add the caller's context (scenario, step) to the journal entry."""
    from pieces.services import piece_store_generated

    letter = letter_build(dossier=dossier, point=point, template=template, user=user)
    content = letter_pdf(letter)
    name = f"courrier-{slugify(template.name)}-{dossier.reference}-{letter.date:%Y%m%d}.pdf"
    with transaction.atomic():
        dossier_lock(dossier_id=dossier.pk)
        piece = piece_store_generated(
            dossier=dossier,
            name=name,
            content=content,
            content_type="application/pdf",
            origin="letter",
            user=user,
            description=_("%(template)s — à %(recipient)s")
            % {"template": template.name, "recipient": point.contact.full_name},
        )
        communication = Communication.objects.create(
            dossier=dossier,
            point=point,
            template=template,
            channel=Channel.LETTER,
            status=Status.GENERATED,
            recipient=" / ".join(letter.recipient_lines),
            subject=letter.subject,
            body=letter.body,
            piece=piece,
            sent_by=user,
        )
        journal_record(
            dossier=dossier,
            action=Action.LETTER,
            actor=user,
            message=_with_note(
                _("Courrier « %(template)s » généré pour %(contact)s, %(value)s.")
                % {
                    "template": template.name,
                    "contact": point.contact.full_name,
                    "value": point.display_value,
                },
                journal_note,
            ),
            data={
                **_means_data(point, template),
                "channel": Channel.LETTER,
                "communication": communication.pk,
                "piece": piece.pk,
                "outcome": Status.GENERATED,
                **(journal_data or {}),
            },
        )
    return communication


# --- SMS --------------------------------------------------------------------------


def sms_prepare(
    *, dossier: Dossier, point: ContactPoint, text: str, template: MessageTemplate | None = None
) -> str:
    """The exact text that will be sent, or CommunicationError."""
    _check_point(dossier=dossier, point=point, kind=ContactPoint.Kind.PHONE, mobile=True)
    body = sms_normalize(
        message_render(dossier=dossier, point=point, body=text, template=template).body
    )
    if not body.strip():
        raise CommunicationError(_("Le SMS est vide : écrivez un texte ou choisissez un modèle."))
    if sms_length(body).segments > SMS_MAX_SEGMENTS:
        raise CommunicationError(
            _("Le SMS est trop long (plus de %(n)s segments).") % {"n": SMS_MAX_SEGMENTS}
        )
    return body


def sms_send(
    *,
    dossier: Dossier,
    point: ContactPoint,
    text: str,
    template: MessageTemplate | None = None,
    user,
    journal_data: dict | None = None,
    journal_note: str = "",
) -> Communication:
    body = sms_prepare(dossier=dossier, point=point, text=text, template=template)
    length = sms_length(body)
    status, delivery, provider_id, error = Status.SENT, "", "", ""
    try:
        result = get_sms_backend().send(to=point.phone.as_e164, text=body)
        delivery, provider_id = result.status, result.provider_id
    except SmsSendError as exc:
        status, error = Status.FAILED, str(exc)
    with transaction.atomic():
        communication = Communication.objects.create(
            dossier=dossier,
            point=point,
            template=template,
            channel=Channel.SMS,
            status=status,
            delivery_status=delivery,
            provider_id=provider_id,
            recipient=point.display_value,
            body=body,
            error=error[:300],
            sent_by=user,
        )
        values = {"value": point.display_value, "contact": point.contact.full_name}
        if status == Status.SENT:
            message = _("SMS envoyé à %(value)s (%(contact)s), %(segments)s segment(s).") % {
                **values,
                "segments": length.segments,
            }
        else:
            message = _("Échec de l'envoi du SMS à %(value)s (%(contact)s) : %(error)s") % {
                **values,
                "error": error,
            }
        journal_record(
            dossier=dossier,
            action=Action.SMS,
            actor=user,
            message=_with_note(message, journal_note),
            data={
                **_means_data(point, template),
                "channel": Channel.SMS,
                "communication": communication.pk,
                "outcome": status,
                "delivery_status": delivery,
                "segments": length.segments,
                "encoding": length.encoding,
                **(journal_data or {}),
            },
        )
    return communication


# --- E-mail -----------------------------------------------------------------------


def email_build(
    *,
    dossier: Dossier,
    point: ContactPoint,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
    user,
) -> EmailMessage:
    _check_point(dossier=dossier, point=point, kind=ContactPoint.Kind.EMAIL)
    rendered = message_render(
        dossier=dossier, point=point, subject=subject, body=body, template=template
    )
    if not rendered.subject.strip() or not rendered.body.strip():
        raise CommunicationError(
            _("Un e-mail a besoin d'un objet et d'un texte : écrivez-les ou choisissez un modèle.")
        )
    # Fixed Message-ID and Date: the .eml kept as a piece is exactly what was sent.
    return EmailMessage(
        subject=rendered.subject.replace("\n", " ").strip(),
        body=rendered.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[point.email],
        reply_to=[user.email] if getattr(user, "email", "") else None,
        headers={
            "Message-ID": make_msgid(domain=DNS_NAME),
            "Date": formatdate(localtime=True),
            "X-Recouvrement-Reference": dossier.reference,
        },
    )


def email_send(
    *,
    dossier: Dossier,
    point: ContactPoint,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
    user,
    journal_data: dict | None = None,
    journal_note: str = "",
) -> Communication:
    from pieces.services import piece_store_generated

    message = email_build(
        dossier=dossier, point=point, subject=subject, body=body, template=template, user=user
    )
    status, error = Status.SENT, ""
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        status = Status.FAILED
        error = _("Le serveur d'e-mail n'a pas accepté l'envoi (%(error)s).") % {
            "error": exc.__class__.__name__
        }
    with transaction.atomic():
        dossier_lock(dossier_id=dossier.pk)
        piece = None
        if status == Status.SENT:
            piece = piece_store_generated(
                dossier=dossier,
                name=f"email-{slugify(message.subject)[:60] or 'message'}-{timezone.localdate():%Y%m%d}.eml",
                content=message.message().as_bytes(),
                content_type="message/rfc822",
                origin="email",
                user=user,
                description=_("E-mail à %(to)s : %(subject)s")
                % {"to": point.email, "subject": message.subject},
            )
        communication = Communication.objects.create(
            dossier=dossier,
            point=point,
            template=template,
            channel=Channel.EMAIL,
            status=status,
            recipient=point.email,
            subject=message.subject[:200],
            body=message.body,
            error=error[:300],
            piece=piece,
            sent_by=user,
        )
        values = {
            "value": point.email,
            "contact": point.contact.full_name,
            "subject": message.subject,
        }
        if status == Status.SENT:
            text = _("E-mail « %(subject)s » envoyé à %(value)s (%(contact)s).") % values
        else:
            text = _(
                "Échec de l'envoi de l'e-mail « %(subject)s » à %(value)s (%(contact)s) : %(error)s"
            ) % {
                **values,
                "error": error,
            }
        journal_record(
            dossier=dossier,
            action=Action.EMAIL,
            actor=user,
            message=_with_note(text, journal_note),
            data={
                **_means_data(point, template),
                "channel": Channel.EMAIL,
                "communication": communication.pk,
                "piece": piece.pk if piece else None,
                "outcome": status,
                **(journal_data or {}),
            },
        )
    return communication
