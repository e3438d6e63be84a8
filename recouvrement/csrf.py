"""The forms' CSRF token in content rendered once for many requests (issue 15).

A page whose content is cached (the client file, fiche/caching.py) renders its forms
with a placeholder where the token goes, and puts the request's own token in the
response afterwards (``fill``): the cached HTML never holds a token, and every
response holds its request's. Code that writes a form's token itself (rather than
through ``{% csrf_token %}``, which reads the template's context) asks ``form_token``.
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac

_MARK = "_recouvrement_csrf_placeholder"


def placeholder() -> str:
    """64 letters and digits like a token, derived from the secret key (nobody can
    type it into a note to have a token written there)."""
    return salted_hmac("recouvrement.csrf", "placeholder", algorithm="sha256").hexdigest()


def use_placeholder(request) -> str:
    """From now on this request's forms get the placeholder; ``fill`` must follow."""
    setattr(request, _MARK, True)
    return placeholder()


def form_token(request) -> str:
    if getattr(request, _MARK, False):
        return placeholder()
    return get_token(request)


def fill(request, response) -> None:
    """Put the request's own token where the response holds the placeholder."""
    mark = placeholder().encode()
    if mark in response.content:
        response.content = response.content.replace(mark, get_token(request).encode())
