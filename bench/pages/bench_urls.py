"""The project's URLs plus the framework floor: a login-required page of one query.

It goes through the same middleware (sessions, authentication, CSRF, CSP, the
consultation trace's URL lookup) and makes one query, so that the client file's
throughput can be read against what the framework costs by itself on this machine.
"""

from django.http import HttpResponse
from django.urls import path

from dossiers.models import Dossier
from recouvrement.urls import urlpatterns as product_urlpatterns


def floor_view(request, pk: int):
    reference = Dossier.objects.filter(pk=pk).values_list("reference", flat=True).first()
    return HttpResponse(f"<!doctype html><title>{reference}</title><p>{reference}</p>")


urlpatterns = [path("bench/floor/<int:pk>/", floor_view), *product_urlpatterns]
