"""Who may see and change a file: the first line of every view that takes one.

Every collection agent may open every file (notes are "readable by any agent who
opens the file"); a signed-in user outside the collection groups is a stranger and
gets 404, so not even the existence of a reference leaks. A user who may read but
lacks the permission an action needs gets 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from dossiers.models import Dossier

VIEW_PERMISSION = "dossiers.view_dossier"


def can_view_dossiers(user) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_PERMISSION)


def dossier_for_user(
    request,
    pk: int,
    *,
    perm: str | None = None,
    queryset=None,
    read=None,
) -> Dossier:
    """The file, or 404 for a stranger or a file that does not exist; 403 if ``perm``
    is lacking. ``read``: a
    prepared read of the file by ``pk`` (``recouvrement.prepared``), instead."""
    user = request.user
    if not can_view_dossiers(user):
        raise Http404
    if read is not None:
        found = read(pk=pk)
        if not found:
            raise Http404
        dossier = found[0]
    else:
        dossier = get_object_or_404(queryset if queryset is not None else Dossier.objects, pk=pk)
    if perm is not None and not user.has_perm(perm):
        raise PermissionDenied
    return dossier


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied
