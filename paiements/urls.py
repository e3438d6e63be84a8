from django.urls import path

from . import views, views_dashboard

app_name = "paiements"

urlpatterns = [
    path("dossiers/<int:pk>/paiement/", views.payment_create_view, name="payment_create"),
    path("dossiers/<int:pk>/quittance/", views.payment_receipt_view, name="payment_receipt"),
    path("dossiers/<int:pk>/promesse/", views.promise_create_view, name="promise_create"),
    path("dossiers/<int:pk>/promesse/annuler/", views.promise_cancel_view, name="promise_cancel"),
    path("dossiers/<int:pk>/litige/", views.dispute_create_view, name="dispute_create"),
    path("dossiers/<int:pk>/litige/resoudre/", views.dispute_resolve_view, name="dispute_resolve"),
    path(
        "dossiers/<int:pk>/action-externe/",
        views.external_action_create_view,
        name="external_create",
    ),
    path(
        "dossiers/<int:pk>/action-externe/reponse/",
        views.external_action_answer_view,
        name="external_answer",
    ),
    path("tableau-de-bord/", views_dashboard.dashboard_view, name="dashboard"),
]
