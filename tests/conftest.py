"""Shared fixtures: the three-user setup (owner, colleague, stranger) and a manager."""

from __future__ import annotations

import functools

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
    # The client file's rendered content (fiche/caching.py): a rolled-back test's file
    # ids come again in the next test, with no version row yet.
    from django.core.cache import caches

    caches["fiche"].clear()


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

    if Group.objects.exists():
        return
    with connection.schema_editor(atomic=True) as schema_editor:
        for code, apps in _data_migrations(connection.alias):
            code(apps, schema_editor)


_DATA_MIGRATION_APPS = {"dossiers", "contacts", "pieces", "relances", "paiements", "rgpd"}


@functools.cache
def _data_migrations(alias: str) -> list:
    """Each data migration's function with the historical models it runs on.

    Rendering a migration's project state costs about as much as ``migrate``
    itself (a second or more); the states never change during a run, so they are
    rendered once per process, not after every flush."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    from recouvrement.groups import groups_sync

    loader = MigrationLoader(connections[alias])
    found = []
    for key in sorted(loader.disk_migrations):
        if key[0] not in _DATA_MIGRATION_APPS:
            continue
        for operation in loader.disk_migrations[key].operations:
            # groups_sync (idempotent: every group gets every permission of theirs
            # that exists) runs once, last, instead of once per migration calling it.
            if isinstance(operation, RunPython) and operation.code is not groups_sync:
                found.append((operation.code, loader.project_state(key, at_end=True).apps))
    found.append((groups_sync, loader.project_state().apps))
    return found


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL the test database commits without waiting for its WAL to reach
    the disk (``synchronous_commit = off``): each transactional test's flush and
    each commit cost a disk flush otherwise, on a shared, slow disk. What other
    connections see is unchanged; only a crash of the server could lose the last
    commits, which no test here survives anyway (the restart test has its own
    cluster)."""
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
                cursor.execute("SET synchronous_commit = off")
