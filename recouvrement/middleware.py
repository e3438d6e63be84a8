"""Small response middleware of the project."""

from __future__ import annotations

import time

from django.conf import settings
from django.middleware.gzip import GZipMiddleware


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


class HtmlGZipMiddleware(GZipMiddleware):
    """Compresses the HTML pages (a client file: 90 KB, about 12 KB once compressed),
    nothing else: static files come compressed from WhiteNoise, and pieces (PDF,
    images, archives) or exports gain nothing but CPU from a second compression.

    BREACH: a compressed page that reflects what an attacker sends next to a secret
    leaks that secret by its length. Django's GZipMiddleware (4.2+) pads each
    response with a random-length gzip header field (Heal The Breach), the CSRF
    token in forms is masked anew on every response, and the session cookie is
    never in the body (docs/PERFORMANCE.md, « Pages »)."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)


SESSION_REFRESHED_KEY = "_refreshed_at"


def sliding_session(get_response):
    """Keeps the one-hour inactivity expiry (SESSION_COOKIE_AGE) without writing the
    session on every request (it was 3 of the client file's 15 statements): a
    signed-in session is saved, and its expiry pushed back, only when its last save
    is older than SESSION_REFRESH_AFTER seconds (a few minutes). The session then
    ends between SESSION_COOKIE_AGE - SESSION_REFRESH_AFTER and SESSION_COOKIE_AGE
    after the last request."""
    refresh_after = int(getattr(settings, "SESSION_REFRESH_AFTER", 300))

    def middleware(request):
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(SESSION_REFRESHED_KEY, 0)) >= refresh_after:
                session[SESSION_REFRESHED_KEY] = now  # modified: saved with a new expiry
        return get_response(request)

    return middleware
