from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list_view, name="list"),
    path("<int:pk>/", views.dossier_detail_view, name="detail"),
    path("<int:pk>/reaffecter/", views.dossier_reassign_view, name="reassign"),
    path("<int:pk>/prochaine-action/", views.dossier_next_action_view, name="next_action"),
    path("<int:pk>/statut/", views.dossier_status_view, name="status"),
    path("<int:pk>/notes/", views.note_create_view, name="note_create"),
]
