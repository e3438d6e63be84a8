"""Writes on pieces. Each function is one transaction and writes its journal entry.

Files go through Django's storage API (``STORAGES["default"]``) under random names
(``piece_upload_to``); the row only exists if its file was stored, and a stored
file whose row was never committed is removed again.
"""

from __future__ import annotations

import errno
import logging
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry
from dossiers.services import journal_record, user_label

from .models import Piece
from .validation import (
    CheckedFile,
    clean_name,
    inspect_file,
    max_upload_size,
    safe_content_type,
    thumbnail_make,
)

logger = logging.getLogger(__name__)

DESCRIPTION_MAX_LENGTH = Piece._meta.get_field("description").max_length


def _storage_delete(storage: Storage, names: list[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:  # Storage back-ends raise anything; a leftover is only logged.
            logger.exception("Could not delete stored file %s", name)


def _store(
    *,
    dossier: Dossier,
    name: str,
    content: File,
    content_type: str,
    size: int,
    origin: str,
    user,
    description: str,
    thumbnail: bytes | None,
) -> Piece:
    piece = Piece(
        dossier=dossier,
        original_name=name,
        description=description,
        content_type=content_type,
        size=size,
        origin=origin,
        uploaded_by=user,
    )
    # The storage names are random (piece_upload_to): the client's name never
    # reaches the disk or the bucket.
    _file_save(piece.file, name, content)
    try:
        if thumbnail:
            _file_save(piece.thumbnail, "thumbnail.png", ContentFile(thumbnail))
        piece.save()
    except BaseException:
        _storage_delete(piece.file.storage, [piece.file.name, piece.thumbnail.name or ""])
        raise
    return piece


class PieceStorageError(OSError):
    """The file could not be written (disk full…): nothing was kept; the message is
    for the agent (``message``). An OSError still, with the original errno."""

    @property
    def message(self) -> str:
        return self.strerror


def _file_save(field_file, name: str, content: File) -> None:
    """``FieldFile.save(save=False)``, except that a write that fails midway (a full
    disk) leaves no partial file behind: the name is chosen first, so that it can
    be deleted."""
    target = field_file.field.generate_filename(field_file.instance, name)
    storage = field_file.storage
    try:
        stored = storage.save(target, content, max_length=field_file.field.max_length)
    except OSError as exc:
        _storage_delete(storage, [target])
        logger.error("Storing a piece failed: %s", exc)
        if exc.errno == errno.ENOSPC:
            message = _(
                "le serveur n'a plus de place pour enregistrer ce fichier (disque plein) : "
                "rien n'a été ajouté. Prévenez l'administrateur."
            )
        else:
            message = _(
                "le fichier n'a pas pu être enregistré sur le serveur : rien n'a été "
                "ajouté. Réessayez, ou prévenez l'administrateur."
            )
        raise PieceStorageError(exc.errno, message) from exc
    field_file.name = stored
    setattr(field_file.instance, field_file.field.attname, stored)
    field_file._committed = True


def _journal_added(piece: Piece, user) -> None:
    message = _("Pièce « %(name)s » ajoutée (%(size)s) par %(user)s.") % {
        "name": piece.original_name,
        "size": filesizeformat(piece.size),
        "user": user_label(user),
    }
    if piece.origin != Piece.Origin.UPLOAD:
        message = _("Pièce « %(name)s » conservée (%(origin)s, %(size)s).") % {
            "name": piece.original_name,
            "origin": piece.get_origin_display(),
            "size": filesizeformat(piece.size),
        }
    journal_record(
        dossier=piece.dossier_id,
        action=JournalEntry.Action.PIECE_ADDED,
        actor=user,
        message=message,
        data={
            "piece": str(piece.uuid),
            "name": piece.original_name,
            "size": piece.size,
            "content_type": piece.content_type,
            "origin": piece.origin,
        },
    )


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            _("La description ne doit pas dépasser %(max)d caractères.")
            % {"max": DESCRIPTION_MAX_LENGTH},
            code="description_too_long",
        )
    return description


def piece_upload(
    *, dossier: Dossier, file: IO[bytes], name: str, user, description: str = ""
) -> Piece:
    """Keep a document an agent attached, after checking what it really is.

    Raises ValidationError (with a French message) for anything not on the allow-list.
    """
    description = _clean_description(description)
    checked: CheckedFile = inspect_file(name=name, stream=file, size=getattr(file, "size", None))
    thumbnail = thumbnail_make(file) if checked.is_image else None
    file.seek(0)
    with transaction.atomic():
        # A failure inside this block removes the stored files (see _store). A
        # caller's outer transaction rolling back later would leave them behind:
        # Django has no on-rollback hook, and they are unreachable random names.
        piece = _store(
            dossier=dossier,
            name=checked.name,
            content=File(file, name=checked.name),
            content_type=checked.content_type,
            size=checked.size,
            origin=Piece.Origin.UPLOAD,
            user=user,
            description=description,
            thumbnail=thumbnail,
        )
        _journal_added(piece, user)
    return piece


def piece_store_generated(
    *,
    dossier: Dossier,
    name: str,
    content: bytes,
    content_type: str,
    origin: str,
    user,
    description: str = "",
) -> Piece:
    """Keep a document the application produced itself (a letter, a copy of an e-mail).

    ``origin`` is one of ``Piece.Origin`` (``letter``, ``email``). The content is ours,
    so it is not sniffed; its type is still served only if it is one we know to be
    safe, and its name is held to the same rules as an upload's.
    """
    if origin not in Piece.Origin.values:
        raise ValueError(f"Unknown piece origin: {origin!r}")
    if not content:
        raise ValueError("A generated piece cannot be empty.")
    name = clean_name(name)
    description = _clean_description(description)[:DESCRIPTION_MAX_LENGTH]
    with transaction.atomic():
        piece = _store(
            dossier=dossier,
            name=name,
            content=ContentFile(content, name=name),
            content_type=safe_content_type(content_type),
            size=len(content),
            origin=origin,
            user=user,
            description=description,
            thumbnail=None,
        )
        _journal_added(piece, user)
    return piece


@transaction.atomic
def piece_delete(*, piece: Piece, user) -> bool:
    """Delete a piece and, once the deletion is committed, its stored files.

    Returns False if someone else deleted it first.
    """
    locked = Piece.objects.select_for_update().filter(pk=piece.pk).first()
    if locked is None:
        return False
    storage = locked.file.storage
    names = [locked.file.name, locked.thumbnail.name or ""]
    locked.delete()
    journal_record(
        dossier=locked.dossier_id,
        action=JournalEntry.Action.PIECE_DELETED,
        actor=user,
        message=_("Pièce « %(name)s » supprimée par %(user)s.")
        % {"name": locked.original_name, "user": user_label(user)},
        data={"piece": str(locked.uuid), "name": locked.original_name, "size": locked.size},
    )
    # Files go only once the row is gone for good: a rollback keeps both.
    transaction.on_commit(lambda: _storage_delete(storage, names))
    return True


def max_upload_size_label() -> str:
    return filesizeformat(max_upload_size())
