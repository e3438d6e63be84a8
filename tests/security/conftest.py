"""Fixtures for the security tests: one file with one object of every kind, and users
with exactly the rights each check needs."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client

from contacts.models import ContactPoint, Evidence
from tests import factories

from .urlwalk import FileObjects, RouteKwargs


@pytest.fixture(autouse=True)
def _sms_to_tmp(settings, tmp_path):
    # The fuzzing sends SMS through the file backend: keep them out of var/.
    settings.SMS_FILE_DIR = tmp_path / "sms"


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


@pytest.fixture
def file_objects(dossier, owner) -> FileObjects:
    """A file with a contact, a validated default phone, a piece, a note, evidence and
    (once the model exists) a message template."""
    contact = factories.ContactFactory(dossier=dossier, last_name="Durand")
    point = factories.ContactPointFactory(
        contact=contact, status=ContactPoint.Status.VALID, is_default=True
    )
    factories.ContactPointFactory(contact=contact, kind="email", status=ContactPoint.Status.VALID)
    evidence = Evidence.objects.create(
        point=point, kind=Evidence.Kind.MANUAL_VALIDATE, recorded_by=owner
    )
    note = factories.NoteFactory(dossier=dossier, author=owner)
    Piece = _model("pieces.Piece")
    piece = Piece(
        dossier=dossier,
        original_name="releve.txt",
        description="Relevé",
        content_type="text/plain",
        size=5,
        uploaded_by=owner,
    )
    piece.file.save("releve.txt", ContentFile(b"hello"), save=False)
    piece.thumbnail.save("vignette.png", ContentFile(_png()), save=False)
    piece.save()
    template = None
    MessageTemplate = _model("contacts.MessageTemplate")
    if MessageTemplate is not None:
        template = _make_template(MessageTemplate)
    extra = {}
    PlannedAction = _model("relances.PlannedAction")
    if PlannedAction is not None:  # relances: a step waiting in the worklist
        extra["planned_action"] = _planned_action(PlannedAction, dossier)
    return FileObjects(
        extra=extra,
        dossier=dossier,
        contact=contact,
        point=point,
        piece=piece,
        note=note,
        template=template,
        evidence=evidence,
    )


def _planned_action(PlannedAction, dossier):
    from django.utils import timezone

    from relances.models import Scenario, ScenarioRun

    scenario = Scenario.objects.get(is_default=True)
    run = ScenarioRun.objects.create(
        dossier=dossier, scenario=scenario, started_on=timezone.localdate()
    )
    return PlannedAction.objects.create(
        dossier=dossier,
        run=run,
        step=scenario.steps.order_by("order").last(),
        state=PlannedAction.State.TO_CONFIRM,
        due_at=timezone.now(),
    )


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _make_template(MessageTemplate):
    """A template with whatever required fields the model has (built by another team)."""
    from django.db import models

    values = {}
    for f in MessageTemplate._meta.concrete_fields:
        if f.primary_key or f.has_default() or f.null or f.blank:
            continue
        if f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.CharField | models.TextField):
            values[f.name] = f"Modèle {f.name}"
    try:
        with transaction.atomic():
            return MessageTemplate.objects.create(**values)
    except Exception:  # noqa: BLE001 - a model we don't own; the tests then skip its URLs
        return None


@pytest.fixture
def route_kwargs(file_objects) -> RouteKwargs:
    return RouteKwargs(file_objects)


@pytest.fixture
def reader(db):
    """Signed in and allowed to read files, but with no right to change anything."""
    user = factories.UserFactory(username="lecteur")
    user.user_permissions.add(
        *Permission.objects.filter(codename__startswith="view_").exclude(
            content_type__app_label__in=["auth", "admin", "sessions", "contenttypes"]
        )
    )
    return user


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client
