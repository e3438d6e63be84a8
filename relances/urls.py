from django.urls import path

from . import views

app_name = "relances"

urlpatterns = [
    path("a-faire/", views.worklist_view, name="worklist"),
    path("a-faire/<int:action_pk>/envoyer/", views.action_send_view, name="action_send"),
    path("a-faire/<int:action_pk>/ignorer/", views.action_ignore_view, name="action_ignore"),
    path("a-faire/<int:action_pk>/fait/", views.action_done_view, name="action_done"),
    path("dossiers/<int:pk>/relances/suspendre/", views.run_pause_view, name="pause"),
    path("dossiers/<int:pk>/relances/reprendre/", views.run_resume_view, name="resume"),
    path("dossiers/<int:pk>/relances/scenario/", views.scenario_change_view, name="change"),
]
