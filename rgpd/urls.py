from django.urls import path

from . import views

app_name = "rgpd"

urlpatterns = [
    path(
        "dossiers/<int:pk>/contacts/<int:contact_id>/donnees-personnelles/",
        views.contact_export_view,
        name="contact_export",
    ),
]
