"""Small response middleware of the project."""

from __future__ import annotations

from django.conf import settings


def permissions_policy(get_response):
    """Sends ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) on every response:
    camera, microphone, geolocation, payment… are turned off for every page."""

    def middleware(request):
        response = get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response

    return middleware
