"""The client-file page's URLs, in the files' namespace (``dossiers:detail``):
``recouvrement.urls`` includes them with ``dossiers.urls``."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/", views.dossier_detail_view, name="detail"),
    path("<int:pk>/onglets/<slug:tab>/", views.dossier_tab_view, name="detail_tab"),
    path("<int:pk>/notes/", views.note_create_view, name="note_create"),
]
