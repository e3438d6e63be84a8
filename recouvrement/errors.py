"""Error pages that say what happened."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as default_server_error

#: seconds a client is asked to wait when the database is unreachable
RETRY_AFTER = 15


@requires_csrf_token
def server_error(request):
    """``handler500``: when the database cannot be reached (a restart, a failover),
    a 503 that says so and asks to retry, instead of « une erreur est survenue »;
    Django reconnects by itself at the next request (CONN_HEALTH_CHECKS)."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # No request context: its processors could query the database again.
        content = loader.get_template("503.html").render()
        response = HttpResponse(content, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return default_server_error(request)
