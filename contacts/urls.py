"""The contact block of a file, under /dossiers/<pk>/contacts/."""

from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("afficher-invalides/", views.show_invalid_view, name="show_invalid"),
    path("ajouter/", views.contact_create_view, name="contact_create"),
    path("<int:contact_id>/modifier/", views.contact_update_view, name="contact_update"),
    path(
        "<int:contact_id>/telephone/ajouter/",
        views.point_create_view,
        {"kind": "phone"},
        name="phone_create",
    ),
    path(
        "<int:contact_id>/email/ajouter/",
        views.point_create_view,
        {"kind": "email"},
        name="email_create",
    ),
    path(
        "<int:contact_id>/adresse/ajouter/",
        views.point_create_view,
        {"kind": "postal"},
        name="postal_create",
    ),
    path("moyens/<int:point_id>/modifier/", views.point_update_view, name="point_update"),
    path("moyens/<int:point_id>/par-defaut/", views.point_default_view, name="point_default"),
    path(
        "moyens/<int:point_id>/valider/",
        views.point_qualify_view,
        {"action": "valider"},
        name="point_validate",
    ),
    path(
        "moyens/<int:point_id>/invalider/",
        views.point_qualify_view,
        {"action": "invalider"},
        name="point_invalidate",
    ),
    path(
        "moyens/<int:point_id>/annuler-validation/",
        views.point_qualify_view,
        {"action": "annuler-validation"},
        name="point_cancel_validation",
    ),
]
