"""The client file renders only its visible tab (the others on demand), and the
session is written only when its sliding expiry needs pushing back (issue 15)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def detail(dossier, **query) -> str:
    url = reverse("dossiers:detail", args=[dossier.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def full_file(dossier, owner):
    factories.NoteFactory(dossier=dossier, author=owner, text="Rappeler mardi")
    from pieces.models import Piece

    Piece.objects.create(
        dossier=dossier,
        original_name="contrat.pdf",
        content_type="application/pdf",
        size=10,
        file="pieces/x/contrat",
        uploaded_by=owner,
    )
    from dossiers.services import journal_record

    journal_record(dossier=dossier, action="status_changed", message="Statut changé", actor=owner)
    return dossier


class TestTabsOnDemand:
    def test_only_the_visible_tab_comes_with_the_page(self, owner_client, full_file):
        html = owner_client.get(detail(full_file)).content.decode()
        assert "Rappeler mardi" in html
        assert "contrat.pdf" not in html and "Statut changé" not in html
        # The hidden tabs still show their counts, and say where their content is.
        assert '<span id="pieces-count" class="badge text-bg-secondary">1</span>' in html
        tab_url = reverse("dossiers:detail_tab", args=[full_file.pk, "pieces"])
        assert f'data-tab-url="{tab_url}"' in html

    @pytest.mark.parametrize(
        ("tab", "shown", "hidden"),
        [("pieces", "contrat.pdf", "Rappeler mardi"), ("journal", "Statut changé", "contrat.pdf")],
    )
    def test_without_javascript_the_plain_link_opens_the_tab(
        self, owner_client, full_file, tab, shown, hidden
    ):
        page = owner_client.get(detail(full_file)).content.decode()
        assert f'href="?onglet={tab}#onglets"' in page  # the link a browser follows
        html = owner_client.get(detail(full_file, onglet=tab)).content.decode()
        assert shown in html and hidden not in html
        assert '<span id="notes-count" class="badge text-bg-secondary">1</span>' in html

    def test_the_tab_loaded_on_demand_holds_its_content(self, owner_client, full_file):
        url = reverse("dossiers:detail_tab", args=[full_file.pk, "pieces"])
        response = owner_client.get(url, headers={"hx-request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "contrat.pdf" in html and "<html" not in html

    def test_the_tab_url_without_htmx_sends_to_the_page(self, owner_client, full_file):
        url = reverse("dossiers:detail_tab", args=[full_file.pk, "journal"])
        response = owner_client.get(url)
        assert response.status_code == 302
        assert response["Location"] == detail(full_file, onglet="journal") + "#onglets"

    def test_unknown_tab_and_stranger_get_404(self, owner_client, stranger_client, full_file):
        unknown = reverse("dossiers:detail_tab", args=[full_file.pk, "secret"])
        assert owner_client.get(unknown, headers={"hx-request": "true"}).status_code == 404
        pieces = reverse("dossiers:detail_tab", args=[full_file.pk, "pieces"])
        assert stranger_client.get(pieces, headers={"hx-request": "true"}).status_code == 404

    def test_the_tab_loaded_on_demand_is_traced(self, owner_client, owner, full_file):
        from rgpd.models import ConsultationTrace

        before = ConsultationTrace.objects.filter(user=owner, dossier=full_file).count()
        url = reverse("dossiers:detail_tab", args=[full_file.pk, "notes"])
        owner_client.get(url, headers={"hx-request": "true"})
        assert ConsultationTrace.objects.filter(user=owner, dossier=full_file).count() == before + 1


class TestSlidingSession:
    """A signed-in session lasts an hour after the last request (SESSION_COOKIE_AGE),
    but is written only once its last save is a few minutes old."""

    def _expiry(self, client):
        return Session.objects.get(session_key=client.session.session_key).expire_date

    def test_written_only_when_its_expiry_needs_refreshing(self, client, owner, dossier, settings):
        settings.SESSION_REFRESH_AFTER = 300
        start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
        with time_machine.travel(start, tick=False) as traveller:
            client.force_login(owner)
            client.get(detail(dossier))
            first = self._expiry(client)
            traveller.shift(datetime.timedelta(minutes=2))
            client.get(detail(dossier))
            assert self._expiry(client) == first  # not written again
            traveller.shift(datetime.timedelta(minutes=4))
            client.get(detail(dossier))
            assert self._expiry(client) == first + datetime.timedelta(minutes=6)

    def test_an_active_agent_stays_signed_in_an_idle_one_is_signed_out(
        self, client, owner, dossier
    ):
        start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
        with time_machine.travel(start, tick=False) as traveller:
            client.force_login(owner)
            for _ in range(8):  # two hours of work, a page every quarter of an hour
                traveller.shift(datetime.timedelta(minutes=15))
                assert client.get(detail(dossier)).status_code == 200
            traveller.shift(datetime.timedelta(minutes=61))
            response = client.get(detail(dossier))
            assert response.status_code == 302 and "/connexion/" in response["Location"]


class TestCompression:
    def test_html_pages_are_compressed_for_a_browser_that_accepts_it(self, owner_client, dossier):
        import gzip

        url = detail(dossier)
        response = owner_client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert dossier.reference in gzip.decompress(response.content).decode()
        assert "Content-Encoding" not in owner_client.get(url).headers  # did not ask

    def test_other_responses_are_not(self, owner_client, dossier):
        from io import BytesIO

        from pieces.services import piece_upload
        from tests.pieces import samples

        piece = piece_upload(dossier=dossier, file=BytesIO(samples.PDF), name="a.pdf", user=None)
        response = owner_client.get(
            reverse("pieces:download", args=[piece.uuid]), headers={"accept-encoding": "gzip"}
        )
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert b"".join(response.streaming_content) == samples.PDF  # as stored
        response.close()
