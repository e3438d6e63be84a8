"""The client's address, as django-axes keys sign-in lockouts on it.

Behind the reverse proxy every request comes from the proxy's address: keyed on
that, five wrong passwords typed by anyone would lock the user out everywhere.
When ``settings.TRUSTED_PROXIES`` (``DJANGO_TRUSTED_PROXIES``: addresses or
networks) names the proxy the request came from, the address is read from
``X-Forwarded-For``: the right-most one that is not one of our proxies (the
proxy appends the address it saw; anything to its left may be forged). Otherwise
the header is ignored: a client talking to us directly could write anything.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    address = _address(remote)
    if not trusted or address is None or not any(address in net for net in trusted):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    client = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage: keep the last address we could vouch for
        client = str(address)
        if not any(address in net for net in trusted):
            break
    return client
