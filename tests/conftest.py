"""Shared fixtures: the three-user setup (owner, colleague, stranger) and a manager."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests talk plain HTTP; production turns these on (see settings.HTTPS).
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def owner(db):
    """The agent the file is assigned to."""
    return factories.agent(username="agnes", first_name="Agnès", last_name="Martin")


@pytest.fixture
def colleague(db):
    """Another agent of the team."""
    return factories.agent(username="bruno", first_name="Bruno", last_name="Caron")


@pytest.fixture
def stranger(db):
    """Signed in, but in no collection group: must not learn that a file exists."""
    return factories.UserFactory(username="intrus")


@pytest.fixture
def manager(db):
    return factories.manager(username="claire", first_name="Claire", last_name="Dubois")


@pytest.fixture
def dossier(owner):
    return factories.DossierFactory(
        assigned_to=owner, reference="ACC-1001", name="Boulangerie Œuvre & Fils"
    )


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def colleague_client(client, colleague):
    client.force_login(colleague)
    return client


@pytest.fixture
def stranger_client(client, stranger):
    client.force_login(stranger)
    return client
