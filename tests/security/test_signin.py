"""Sign-in: throttling after 5 failures with a cool-off, password rules, idle sessions."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

PASSWORD = "motdepasse-solide-2026"


def _sign_in(client, username, password):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7"
    )


@pytest.mark.django_db
def test_five_failures_lock_the_account_with_a_french_message(owner, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, owner.username, "mauvais-mot-de-passe")
        assert response.status_code == 200  # the form again, with its error
    # The fifth failure locks.
    response = _sign_in(client, owner.username, "mauvais-mot-de-passe")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives de connexion" in page
    assert "Après 5 mots de passe erronés" in page
    assert "Réessayez dans 15 minutes" in page
    # Even the right password is refused while the lock lasts.
    response = _sign_in(client, owner.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Other people keep signing in.
    assert _sign_in(Client(), "bruno-absent", "x").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("login"), reverse("admin:login")])
def test_a_name_longer_than_the_attempts_table_holds_is_refused_not_a_500(url, settings):
    # PostgreSQL refused the failure record of a 300-character name (varchar 255).
    long_name = "é" * 300
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            url, {"username": long_name, "password": "x" * 2000}, REMOTE_ADDR="10.0.0.8"
        )
        assert response.status_code in (200, 429)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == long_name[:255]
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    # Locked like any other name.
    assert response.status_code == 429


@pytest.mark.django_db
def test_four_failures_do_not_lock(owner, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, owner.username, "mauvais-mot-de-passe")
    response = _sign_in(client, owner.username, PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == owner.pk


@pytest.mark.django_db
def test_the_lock_lifts_after_the_cool_off(owner, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, owner.username, "mauvais-mot-de-passe")
    assert _sign_in(client, owner.username, PASSWORD).status_code == 429
    # 16 minutes later (cool-off: 15).
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )
    response = _sign_in(client, owner.username, PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == owner.pk


@pytest.mark.parametrize(
    "password",
    ["court1!", "1234567890123", "motdepasse", "azertyuiop", "agnes@example.fr"],
)
@pytest.mark.django_db
def test_weak_passwords_are_refused(owner, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=owner)


@pytest.mark.django_db
def test_a_strong_password_is_accepted(owner):
    validate_password("Brume-Ocre-Tilleul-47", user=owner)


@pytest.mark.django_db
def test_session_expires_after_an_hour_without_activity(owner, dossier, settings):
    assert settings.SESSION_COOKIE_AGE == 3600
    # The expiry slides, written at most every SESSION_REFRESH_AFTER (issue 15).
    assert 0 < settings.SESSION_REFRESH_AFTER <= 600
    client = Client()
    client.force_login(owner)
    url = reverse("dossiers:detail", kwargs={"pk": dossier.pk})
    session = Session.objects.get()

    # 50 minutes idle, then a click: the session is extended by a full hour.
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=10))
    assert client.get(url).status_code == 200
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + datetime.timedelta(minutes=59)

    # More than an hour idle: back to the login page, with the way back.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
def test_session_cookie_does_not_outlive_the_browser(owner, settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client = Client()
    response = _sign_in(client, owner.username, PASSWORD)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["expires"] == ""
    assert response.cookies["sessionid"]["max-age"] == ""
