"""Finding 5 (issue 14): behind the reverse proxy every client came from 127.0.0.1,
so anyone typing five wrong passwords locked the real user out. The client's
address is read from X-Forwarded-For only when the request comes from a trusted
proxy (DJANGO_TRUSTED_PROXIES), and lockouts are keyed on username + address."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from recouvrement.client_ip import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2026"
ATTACKER, USER = "203.0.113.9", "198.51.100.4"


def sign_in(username, password, *, remote="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(reverse("login"), {"username": username, "password": password}, **extra)


def attack(owner, settings, **kwargs):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(owner.username, "mauvais-mot-de-passe", **kwargs)


def test_behind_a_trusted_proxy_an_attacker_elsewhere_cannot_lock_the_user_out(owner, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    attack(owner, settings, forwarded=ATTACKER)
    # The attacker is locked…
    assert sign_in(owner.username, PASSWORD, forwarded=ATTACKER).status_code == 429
    # …the user, through the same proxy from their own machine, is not.
    assert sign_in(owner.username, PASSWORD, forwarded=USER).status_code == 302


def test_the_proxy_appends_the_real_address_a_forged_one_before_it_is_ignored(owner, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    # The attacker forges a header naming the user's address; nginx appends the real one.
    attack(owner, settings, forwarded=f"{USER}, {ATTACKER}")
    assert sign_in(owner.username, PASSWORD, forwarded=USER).status_code == 302
    assert sign_in(owner.username, PASSWORD, forwarded=ATTACKER).status_code == 429


def test_without_a_trusted_proxy_the_header_is_not_believed(owner, settings):
    settings.TRUSTED_PROXIES = []
    # Rotating a forged header does not spread the attempts over many addresses.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(owner.username, "mauvais-mot-de-passe", remote=ATTACKER, forwarded=f"10.0.0.{n}")
    assert sign_in(owner.username, PASSWORD, remote=ATTACKER).status_code == 429
    # The lock is on this address and this user: the user elsewhere signs in.
    assert sign_in(owner.username, PASSWORD, remote=USER).status_code == 302


def test_a_request_that_does_not_come_from_the_proxy_keeps_its_own_address(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    assert client_ip(rf.get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=USER)) == ATTACKER
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=USER)) == USER
    chain = f"{USER}, 10.1.9.9"  # two proxies of ours: the client is before them
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=chain)) == USER
    garbage = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    assert client_ip(garbage) == "127.0.0.1"
