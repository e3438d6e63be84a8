from django.urls import path

from . import views

app_name = "pieces"

urlpatterns = [
    path("dossiers/<int:pk>/pieces/ajouter/", views.piece_upload_view, name="upload"),
    path("pieces/<uuid:piece_uuid>/telecharger/", views.piece_download_view, name="download"),
    path("pieces/<uuid:piece_uuid>/vignette/", views.piece_thumbnail_view, name="thumbnail"),
    path("pieces/<uuid:piece_uuid>/supprimer/", views.piece_delete_view, name="delete"),
]
