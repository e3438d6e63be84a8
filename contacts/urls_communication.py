"""Communication actions of a file, under /dossiers/<pk>/communication/."""

from django.urls import path

from . import views_communication as views

app_name = "communication"

urlpatterns = [
    path("", views.communication_hub_view, name="hub"),
    path("appel/", views.call_report_view, name="call"),
    path("courrier/", views.letter_view, name="letter"),
    path("sms/", views.sms_view, name="sms"),
    path("email/", views.email_view, name="email"),
]
