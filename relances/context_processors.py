from django.utils.functional import SimpleLazyObject


def worklist(request):
    """The count of « À faire » in the navigation: one query, only when a page shows it."""

    def count():
        from recouvrement.access import can_view_dossiers

        from .selectors import worklist_count

        user = getattr(request, "user", None)
        if user is None or not can_view_dossiers(user):
            return 0
        return worklist_count(user=user)

    return {"worklist_count": SimpleLazyObject(count)}
