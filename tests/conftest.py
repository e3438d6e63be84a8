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
    settings.SMS_FILE_DIR = tmp_path / "sms"  # never the real outbox under var/


@pytest.fixture
def owner(db):
    """The agent the file is assigned to."""
    reference_data_restore()
    return factories.agent(username="agnes", first_name="Agnès", last_name="Martin")


@pytest.fixture
def colleague(db):
    """Another agent of the team."""
    reference_data_restore()
    return factories.agent(username="bruno", first_name="Bruno", last_name="Caron")


@pytest.fixture
def stranger(db):
    """Signed in, but in no collection group: must not learn that a file exists."""
    return factories.UserFactory(username="intrus")


@pytest.fixture
def manager(db):
    reference_data_restore()
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


def reference_data_restore() -> None:
    """Re-run what the data migrations wrote (groups, forbidden terms, message
    templates) when a flush removed it. Idempotent: each migration function uses
    get_or_create or equivalent."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    if Group.objects.exists():
        return
    loader = MigrationLoader(connection)
    with connection.schema_editor(atomic=True) as schema_editor:
        for key in sorted(loader.disk_migrations):
            if key[0] not in {"dossiers", "contacts", "pieces", "relances", "paiements", "rgpd"}:
                continue
            migration = loader.disk_migrations[key]
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    state = loader.project_state(key, at_end=True)
                    operation.code(state.apps, schema_editor)


@pytest.fixture
def reference_data(transactional_db):
    reference_data_restore()


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated reference data.

    A transactional test (browser tests, concurrency tests) ends by flushing every
    table, which also removes what data migrations wrote: the groups, the forbidden
    terms, the message templates. With ``serialized_rollback`` each such test starts
    from the database as migrations left it, whatever ran before.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if marker.kwargs.get("serialized_rollback"):
            continue
        kwargs = {**marker.kwargs, "serialized_rollback": True}
        item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
