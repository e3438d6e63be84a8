"""The uploads that are containers: Office Open XML and OpenDocument (zips), and
the OLE2 files (Word and Excel 97-2003, Outlook). What is inside tells the kind;
archives, macros, encryption and zip bombs are refused."""

from __future__ import annotations

import struct
import warnings
import zipfile
from typing import IO

import olefile
from django.utils.translation import gettext as _

from .content_checks import zip_bomb_reason
from .validation import (
    ACCEPTED_SUMMARY,
    DOC,
    DOCX,
    MSG,
    ODS,
    ODT,
    PPTX,
    XLS,
    XLSX,
    ZIP_MEMBER_READ_LIMIT,
    Kind,
    refuse,
)


def zip_kind(stream: IO[bytes]) -> Kind:
    """Office Open XML and OpenDocument files are zips with a known first part."""
    not_office = refuse(
        _("Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un."),
        "archive",
    )
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            infos = archive.infolist()
            bomb = zip_bomb_reason(infos)
            if bomb:
                raise refuse(
                    _("Ce document est refusé : %(reason)s.") % {"reason": bomb}, "zip_bomb"
                )
            if any(info.flag_bits & 0x1 for info in infos):
                raise refuse(
                    _("Les documents chiffrés ou protégés par mot de passe sont refusés."),
                    "encrypted",
                )
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise refuse(_("Les documents contenant des macros sont refusés."), "macro")
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > 200:
                    raise not_office
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                for kind in (ODT, ODS):
                    if mimetype == kind.content_type:
                        return kind
                raise not_office
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > ZIP_MEMBER_READ_LIMIT:
                    raise not_office
                types = archive.read("[Content_Types].xml")
                if b"macroEnabled" in types:
                    raise refuse(_("Les documents contenant des macros sont refusés."), "macro")
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
                if "ppt/presentation.xml" in names:
                    return PPTX
            raise not_office
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise refuse(
            _("Ce fichier est endommagé ou illisible : il ne peut pas être ajouté."),
            "corrupt",
        ) from exc
    finally:
        stream.seek(0)


def ole_kind(stream: IO[bytes]) -> Kind:
    """Word 97-2003, Excel 97-2003 and Outlook files share the OLE2 container (so do
    installers, MSI): the streams inside tell which one it is."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # olefile warns on minor defects
            ole = olefile.OleFileIO(stream)
            try:
                top = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True)}
            finally:
                ole.close()  # leaves our stream open: olefile did not open it
    except (OSError, ValueError, IndexError, struct.error, NotImplementedError) as exc:
        raise refuse(
            _("Ce fichier est endommagé ou illisible : il ne peut pas être ajouté."),
            "corrupt",
        ) from exc
    finally:
        stream.seek(0)
    if top & {"macros", "_vba_project_cur", "vba"}:
        raise refuse(_("Les documents contenant des macros sont refusés."), "macro")
    if "worddocument" in top:
        return DOC
    if top & {"workbook", "book"}:
        return XLS
    if "__properties_version1.0" in top:
        return MSG
    raise refuse(
        _("Ce type de fichier n'est pas accepté. Types acceptés : %(types)s.")
        % {"types": ACCEPTED_SUMMARY},
        "type",
    )
