"""Django's ``ModelBackend``, its two permission reads compiled once per process.

Every page asks ``has_perm`` (the access check of every file view, the buttons a
user may see), so a signed-in request reads the user's permissions, direct and
through their groups: two statements that Django's backend builds anew for every
request, costing more CPU to compile than to run (issue 15). The same statements,
the same set of ``"app_label.codename"`` strings, cached on the user object for the
request as Django does; superusers, inactive users and per-object checks go to
Django's own code.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission

from .prepared import prepared

_PERMISSIONS = {
    "user": prepared(
        lambda user_id: (
            Permission.objects.filter(user__id=user_id)
            .values_list("content_type__app_label", "codename")
            .order_by()
        )
    ),
    "group": prepared(
        lambda user_id: (
            Permission.objects.filter(group__user__id=user_id)
            .values_list("content_type__app_label", "codename")
            .order_by()
        )
    ),
}


class ModelBackend(DjangoModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if (
            obj is not None
            or not user_obj.is_active
            or user_obj.is_anonymous
            or user_obj.is_superuser
        ):
            return super()._get_permissions(user_obj, obj, from_name)
        cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):
            rows = _PERMISSIONS[from_name](user_id=user_obj.pk)
            setattr(user_obj, cache_name, {f"{app}.{codename}" for app, codename in rows})
        return getattr(user_obj, cache_name)
