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


def dossier_for_user(request, pk: int, *, perm: str | None = None, queryset=None) -> Dossier:
    user = request.user
    if not can_view_dossiers(user):
        raise Http404
    dossier = get_object_or_404(queryset if queryset is not None else Dossier.objects, pk=pk)
    if perm is not None and not user.has_perm(perm):
        raise PermissionDenied
    return dossier


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied
