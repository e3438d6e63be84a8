from django.urls import path

from . import views

# The client-file page and its notes form: fiche.urls, in this namespace too.
app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list_view, name="list"),
    path("<int:pk>/reaffecter/", views.dossier_reassign_view, name="reassign"),
    path("<int:pk>/prochaine-action/", views.dossier_next_action_view, name="next_action"),
    path("<int:pk>/statut/", views.dossier_status_view, name="status"),
]
