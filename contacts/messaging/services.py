"""Writes of the communication actions: call reports, letters, SMS and e-mails.

Each service writes its ``Communication`` and its journal entry (the same data
for every channel: ``sending.journal_data``). SMS and e-mails follow one shape
(``sending.send_recorded``): recorded « en cours d'envoi » and committed, sent
with no transaction open (holding the write lock while a remote server answers
would stall every other agent; SQLite takes it at BEGIN), then marked sent or
failed; a failed send is returned to the caller, who shows the agent a clear
message. Validation errors raise ``CommunicationError`` before anything is
written or sent. ``user=None`` is an automatic send, journaled as « système ».
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry
from dossiers.services import dossier_lock, journal_record, user_label
from recouvrement.text import text_clean

from ..models import Communication, ContactPoint, Evidence, MessageTemplate
from ..services import evidence_record
from .letters import Letter, letter_pdf
from .mail_backend import SendDeadlineExceeded
from .rendering import CommunicationError, message_render, point_check
from .sending import Outgoing, SendFailed, Transmitted, send_recorded
from .sending import journal_data as communication_journal_data
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


def _with_note(message: str, note: str) -> str:
    """The caller's context (an automatic reminder's scenario and step) after the
    journal's sentence."""
    return f"{message} {note}" if note else message


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
    point_check(dossier=dossier, point=point, kind=ContactPoint.Kind.PHONE)
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
        data=communication_journal_data(
            communication, outcome=outcome, direction=communication.direction
        ),
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
    *,
    dossier: Dossier,
    point: ContactPoint,
    template: MessageTemplate,
    user,
    extra_values: Mapping[str, str] | None = None,
) -> Letter:
    """The letter as it will be printed (for the preview and the PDF)."""
    point_check(dossier=dossier, point=point, kind=ContactPoint.Kind.POSTAL)
    if template.channel != MessageTemplate.Channel.LETTER or not template.active:
        raise CommunicationError(_("Choisissez un modèle de courrier actif."))
    rendered = message_render(
        dossier=dossier, point=point, template=template, extra_values=extra_values
    )
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
    extra_values: Mapping[str, str] | None = None,
) -> Communication:
    """Generate the PDF addressed to the postal means and keep it as a piece.

    ``user=None``: sent by the system (automatic reminders); ``journal_data`` and
    ``journal_note`` add the caller's context (scenario, step) to the journal entry."""
    from pieces.services import PieceStorageError, piece_store_generated

    letter = letter_build(
        dossier=dossier, point=point, template=template, user=user, extra_values=extra_values
    )
    content = letter_pdf(letter)
    name = f"courrier-{slugify(template.name)}-{dossier.reference}-{letter.date:%Y%m%d}.pdf"
    try:
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
                data=communication_journal_data(
                    communication, outcome=Status.GENERATED, piece=piece, **(journal_data or {})
                ),
            )
    except PieceStorageError as exc:  # disk full: nothing kept, the agent is told
        raise CommunicationError(capfirst(exc.message)) from exc
    return communication


# --- SMS --------------------------------------------------------------------------


def sms_prepare(
    *,
    dossier: Dossier,
    point: ContactPoint,
    text: str,
    template: MessageTemplate | None = None,
    extra_values: Mapping[str, str] | None = None,
) -> str:
    """The exact text that will be sent, or CommunicationError."""
    point_check(dossier=dossier, point=point, kind=ContactPoint.Kind.PHONE, mobile=True)
    body = sms_normalize(
        message_render(
            dossier=dossier, point=point, body=text, template=template, extra_values=extra_values
        ).body
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
    extra_values: Mapping[str, str] | None = None,
) -> Communication:
    """Send an SMS (``user=None``: an automatic send, by « système »)."""
    body = sms_prepare(
        dossier=dossier, point=point, text=text, template=template, extra_values=extra_values
    )
    length = sms_length(body)
    values = {"value": point.display_value, "contact": point.contact.full_name}

    def transmit() -> Transmitted:
        try:
            result = get_sms_backend().send(to=point.phone.as_e164, text=body)
        except SmsSendError as exc:
            raise SendFailed(str(exc)) from exc
        return Transmitted(delivery_status=result.status, provider_id=result.provider_id)

    outgoing = Outgoing(
        dossier=dossier,
        point=point,
        template=template,
        channel=Channel.SMS,
        action=Action.SMS,
        recipient=point.display_value,
        body=body,
        user=user,
        sent_text=_with_note(
            _("SMS envoyé à %(value)s (%(contact)s), %(segments)s segment(s).")
            % {**values, "segments": length.segments},
            journal_note,
        ),
        failed_text=_with_note(
            # A name may hold a « % »: escaped before the error is put in.
            (_("Échec de l'envoi du SMS à %(value)s (%(contact)s) : ") % values).replace("%", "%%")
            + "%(error)s",
            journal_note.replace("%", "%%"),
        ),
        data={"segments": length.segments, "encoding": length.encoding, **(journal_data or {})},
    )
    return send_recorded(outgoing, transmit=transmit, journal=journal_record)


# --- E-mail -----------------------------------------------------------------------


def email_build(
    *,
    dossier: Dossier,
    point: ContactPoint,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
    user,
    extra_values: Mapping[str, str] | None = None,
) -> EmailMessage:
    point_check(dossier=dossier, point=point, kind=ContactPoint.Kind.EMAIL)
    rendered = message_render(
        dossier=dossier,
        point=point,
        subject=subject,
        body=body,
        template=template,
        extra_values=extra_values,
    )
    if not rendered.subject.strip() or not rendered.body.strip():
        raise CommunicationError(
            _("Un e-mail a besoin d'un objet et d'un texte : écrivez-les ou choisissez un modèle.")
        )
    # Fixed Message-ID and Date: the .eml kept as a piece is exactly what was sent.
    return EmailMessage(
        # One line, no control character: a CR from a name or a template would
        # raise BadHeaderError (or inject a header) at send time.
        subject=text_clean(rendered.subject, multiline=False).strip(),
        body=text_clean(rendered.body),
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
    extra_values: Mapping[str, str] | None = None,
) -> Communication:
    """Send an e-mail and keep its .eml as a piece (``user=None``: an automatic send,
    by « système », without Reply-To)."""
    from pieces.services import piece_store_generated

    message = email_build(
        dossier=dossier,
        point=point,
        subject=subject,
        body=body,
        template=template,
        user=user,
        extra_values=extra_values,
    )
    values = {"value": point.email, "contact": point.contact.full_name, "subject": message.subject}

    def transmit() -> Transmitted:
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(email_failure(exc)) from exc
        return Transmitted()

    def keep(communication: Communication):
        return piece_store_generated(
            dossier=dossier,
            name=f"email-{slugify(message.subject)[:60] or 'message'}-{timezone.localdate():%Y%m%d}.eml",
            content=message.message().as_bytes(),
            content_type="message/rfc822",
            origin="email",
            user=user,
            description=_("E-mail à %(to)s : %(subject)s")
            % {"to": point.email, "subject": message.subject},
        )

    outgoing = Outgoing(
        dossier=dossier,
        point=point,
        template=template,
        channel=Channel.EMAIL,
        action=Action.EMAIL,
        recipient=point.email,
        subject=message.subject,
        body=message.body,
        user=user,
        sent_text=_with_note(
            _("E-mail « %(subject)s » envoyé à %(value)s (%(contact)s).") % values, journal_note
        ),
        failed_text=_with_note(
            (
                _("Échec de l'envoi de l'e-mail « %(subject)s » à %(value)s (%(contact)s) : ")
                % values
            ).replace("%", "%%")
            + "%(error)s",
            journal_note.replace("%", "%%"),
        ),
        data=dict(journal_data or {}),
    )
    return send_recorded(outgoing, transmit=transmit, keep=keep, journal=journal_record)


def email_failure(exc: BaseException) -> str:
    """Why an e-mail did not go out, for the agent."""
    if isinstance(exc, SendDeadlineExceeded):
        return str(exc)
    return _("Le serveur d'e-mail n'a pas accepté l'envoi (%(error)s).") % {
        "error": exc.__class__.__name__
    }
