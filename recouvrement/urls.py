from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dossiers:list", permanent=False)),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("dossiers/", include("dossiers.urls")),
    path("", include("pieces.urls")),
    path("dossiers/<int:pk>/contacts/", include("contacts.urls")),
    path("dossiers/<int:pk>/communication/", include("contacts.urls_communication")),
    path("", include("rgpd.urls")),
]
