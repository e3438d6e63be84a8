"""The page a person sees when django-axes locks their sign-in (AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

import math

from axes.conf import settings
from axes.helpers import get_cool_off, get_failure_limit
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": minutes,
    }
    # 429 Too Many Requests: proxies and scripts understand it, people read the page.
    return render(request, "registration/locked_out.html", context, status=429)


# AccessAttempt.username is a varchar(255): a longer name typed into a sign-in form
# (Django's AuthenticationForm passes it to authenticate() unchecked) made PostgreSQL
# refuse the failure record, and the sign-in page answered 500.
ATTEMPT_USERNAME_MAX = 255


def attempt_username(request, credentials=None) -> str | None:
    """The name django-axes records and locks on (AXES_USERNAME_CALLABLE): the typed name,
    cut to what its tables hold. No real account has a longer name (150 at most)."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    if username is None:
        return None
    return str(username).replace("\x00", "")[:ATTEMPT_USERNAME_MAX]
