"""Security headers, cookies and the content security policy, as production sends them.

The test settings talk plain HTTP (DJANGO_HTTPS=0); here the production values are
put back and a fresh client is built, because SecurityMiddleware reads its settings
when it is instantiated.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import client_for
from .test_access import _owner_pages

HSTS_SECONDS = 31536000


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = HSTS_SECONDS
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.DEBUG = False
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = Client().get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_security_headers_on_a_page(production, owner, dossier):
    client = Client()
    client.force_login(owner)
    response = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk}), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == (
        f"max-age={HSTS_SECONDS}; includeSubDomains; preload"
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
def test_cookies_are_secure_and_httponly(production, owner):
    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("login"), secure=True)
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)[1]
    response = client.post(
        reverse("login"),
        {
            "username": owner.username,
            "password": "motdepasse-solide-2026",
            "csrfmiddlewaretoken": token.decode(),
        },
        secure=True,
        HTTP_REFERER="https://testserver/connexion/",
    )
    assert response.status_code == 302, response.content[:500]
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style[\s>]", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _inline_code(html: str) -> list[str]:
    found = []
    for name, pattern in (
        ("<script> inline", INLINE_SCRIPT),
        ("style=", STYLE_ATTR),
        ("<style>", STYLE_TAG),
        ("on…= handler", HANDLER_ATTR),
        ("javascript: URL", JS_URL),
    ):
        for match in pattern.finditer(html):
            found.append(f"{name}: {match.group(0)[:120]}")
    return found


def test_the_inline_detector_finds_inline_code():
    assert _inline_code('<div style="color:red">') and _inline_code("<script>x()</script>")
    assert _inline_code('<button onclick="x()">') and _inline_code('<a href="javascript:x()">')
    assert not _inline_code('<script src="/static/js/app.js" defer></script><p class="x">')


@pytest.mark.django_db
def test_no_page_has_inline_script_or_style(client, route_kwargs, owner, manager):
    """The CSP forbids inline code, so a page that had some would be broken."""
    pages = _owner_pages(client_for(owner), route_kwargs)
    pages.append(("login", Client().get(reverse("login")).content.decode()))
    assert len(pages) >= 4
    for url, html in pages:
        assert not _inline_code(html), f"{url}: {_inline_code(html)}"


@pytest.mark.django_db
def test_admin_pages_have_no_inline_script(route_kwargs, manager):
    """The Django admin ships without inline scripts since 5.x; keep it that way."""
    client = client_for(manager)
    dossier = route_kwargs.objects.dossier
    for url in (
        reverse("admin:index"),
        reverse("admin:dossiers_dossier_changelist"),
        reverse("admin:dossiers_dossier_change", args=[dossier.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.findall(html), f"{url}: {INLINE_SCRIPT.findall(html)}"
        assert not HANDLER_ATTR.findall(html), f"{url}: {HANDLER_ATTR.findall(html)}"
