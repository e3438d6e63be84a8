"""The consultation trace: one cheap insert per opening, download or export."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pieces.models import Piece
from rgpd import purge
from rgpd.models import ConsultationTrace
from tests import factories

pytestmark = pytest.mark.django_db

Action = ConsultationTrace.Action
WITHOUT_TRACE = [m for m in settings.MIDDLEWARE if not m.startswith("rgpd.")]


def _piece(dossier, owner) -> Piece:
    piece = Piece(
        dossier=dossier,
        original_name="releve.txt",
        content_type="text/plain",
        size=5,
        uploaded_by=owner,
    )
    piece.file.save("releve.txt", ContentFile(b"hello"), save=False)
    piece.save()
    return piece


def test_opening_a_file_is_traced(owner_client, owner, dossier):
    response = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert response.status_code == 200
    trace = ConsultationTrace.objects.get()
    assert (trace.user, trace.action, trace.dossier_id) == (
        owner,
        Action.DOSSIER_OPENED,
        dossier.pk,
    )
    assert trace.channel == ConsultationTrace.Channel.WEB


def test_a_refused_opening_is_not_traced_as_a_consultation(stranger_client, dossier):
    assert stranger_client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404
    assert not ConsultationTrace.objects.exists()


def test_other_pages_are_not_traced(owner_client, dossier):
    assert owner_client.get(reverse("dossiers:list")).status_code == 200
    assert not ConsultationTrace.objects.exists()


def test_downloading_a_piece_is_traced_with_its_file(owner_client, owner, dossier):
    piece = _piece(dossier, owner)
    response = owner_client.get(reverse("pieces:download", args=[piece.uuid]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"  # closes it the client's way
    trace = ConsultationTrace.objects.get()
    assert trace.action == Action.PIECE_DOWNLOADED
    assert trace.piece_uuid == piece.uuid
    assert trace.dossier_id == dossier.pk  # read by the INSERT itself


def test_the_trace_costs_one_query_on_the_client_file(owner, dossier):
    contact = factories.ContactFactory(dossier=dossier)
    factories.ContactPointFactory(contact=contact)
    url = reverse("dossiers:detail", args=[dossier.pk])

    def queries(client) -> list[str]:
        client.force_login(owner)
        client.get(url)  # warm: session, content types
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    with override_settings(MIDDLEWARE=WITHOUT_TRACE):
        bare = queries(Client())  # a client loads its middleware on its first request
    traced = queries(Client())
    assert len(traced) == len(bare) + 1
    inserts = [q for q in traced if q.startswith('INSERT INTO "rgpd_consultationtrace"')]
    assert len(inserts) == 1


def test_old_traces_are_purged_on_time(settings, owner, dossier):  # noqa: F811
    settings.RGPD_TRACE_RETENTION_MONTHS = 6
    start = datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        old = ConsultationTrace.objects.create(user=owner, action=Action.DOSSIER_OPENED)
    with time_machine.travel(start + datetime.timedelta(days=150), tick=False):
        recent = ConsultationTrace.objects.create(user=owner, action=Action.DOSSIER_OPENED)
    # Six months later to the day, the first one is still within its period…
    with time_machine.travel(datetime.datetime(2026, 7, 10, 8, 0, tzinfo=datetime.UTC)):
        assert purge.traces_purge() == 0
    # …and the day after it is gone, the other one stays.
    with time_machine.travel(datetime.datetime(2026, 7, 11, 9, 0, tzinfo=datetime.UTC)):
        assert purge.personal_data_purge().traces == 1
    assert list(ConsultationTrace.objects.all()) == [recent]
    assert not ConsultationTrace.objects.filter(pk=old.pk).exists()
    assert timezone.now()  # time-machine left no trace on the clock
