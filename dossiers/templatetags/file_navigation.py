"""``{% file_navigation dossier %}``: « Retour à la liste » and the previous / next file
of that list, on the client file (dossiers/navigation.py does the work). A tag, so
that whichever view composes the file page needs no change to show it."""

from django import template

from dossiers.navigation import file_navigation as navigation_for

register = template.Library()


@register.inclusion_tag("dossiers/_file_nav.html", takes_context=True)
def file_navigation(context, dossier):
    return navigation_for(context["request"], dossier)
