from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from dossiers import urls as dossiers_urls
from fiche import urls as fiche_urls

urlpatterns = [
    # The agents' landing page is the worklist « À faire » (relances).
    path("", RedirectView.as_view(pattern_name="relances:worklist", permanent=False)),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # The client-file page (fiche) is composed above the apps, in the files' namespace.
    path(
        "dossiers/",
        include(([*fiche_urls.urlpatterns, *dossiers_urls.urlpatterns], "dossiers")),
    ),
    path("", include("pieces.urls")),
    path("", include("paiements.urls")),
    path("dossiers/<int:pk>/contacts/", include("contacts.urls")),
    path("dossiers/<int:pk>/communication/", include("contacts.urls_communication")),
    path("", include("relances.urls")),
    path("", include("rgpd.urls")),
]

handler500 = "recouvrement.errors.server_error"
