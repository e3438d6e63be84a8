"""The list of files and the client file: access, content, search, and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.services import dossier_refresh_totals
from pieces.models import Piece
from tests import factories

pytestmark = pytest.mark.django_db


def list_url(**params):
    from urllib.parse import urlencode

    return reverse("dossiers:list") + ("?" + urlencode(params) if params else "")


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client, dossier):
        for url in (list_url(), reverse("dossiers:detail", args=[dossier.pk])):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

    def test_login_page_is_public_and_french(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert "Nom d’utilisateur" in response.content.decode()
        assert "Se connecter" in response.content.decode()

    def test_owner_and_colleague_open_the_file(self, client, dossier, owner, colleague):
        for user in (owner, colleague):
            client.force_login(user)
            response = client.get(reverse("dossiers:detail", args=[dossier.pk]))
            assert response.status_code == 200
            assert "Boulangerie Œuvre &amp; Fils" in response.content.decode()

    def test_stranger_gets_404_on_every_file_page(self, stranger_client, dossier):
        assert stranger_client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404
        assert stranger_client.get(list_url()).status_code == 404

    def test_unknown_file_is_404(self, owner_client):
        assert owner_client.get(reverse("dossiers:detail", args=[999999])).status_code == 404

    def test_password_sign_in_lands_on_the_worklist(self, client, owner, dossier):
        # The agents' landing page is « À faire » (relances); « Mes dossiers » is a click away.
        response = client.post(
            reverse("login"),
            {"username": "agnes", "password": "motdepasse-solide-2026"},
            follow=True,
        )
        assert response.status_code == 200
        assert "<title>À faire" in response.content.decode()
        assert "Mes dossiers" in response.content.decode()
        assert "ACC-1001" in client.get(list_url(vue="mes")).content.decode()


class TestList:
    def test_my_files_only_mine_all_files_everything(self, owner_client, owner, colleague):
        factories.DossierFactory(reference="MINE-1", assigned_to=owner)
        factories.DossierFactory(reference="THEIRS-1", assigned_to=colleague)
        mine = owner_client.get(list_url(vue="mes")).content.decode()
        assert "MINE-1" in mine and "THEIRS-1" not in mine
        everything = owner_client.get(list_url(vue="tous")).content.decode()
        assert "MINE-1" in everything and "THEIRS-1" in everything

    @pytest.mark.parametrize(
        "typed",
        ["06 12 34 56 78", "0612345678", "+33612345678", "+33 6 12 34 56 78", "06.12.34.56.78"],
    )
    def test_search_by_phone_in_any_usual_format(self, owner_client, owner, typed):
        target = factories.DossierFactory(reference="PHONE-1", assigned_to=owner)
        other = factories.DossierFactory(reference="OTHER-1", assigned_to=owner)
        factories.ContactPointFactory(
            contact=factories.ContactFactory(dossier=target),
            phone="+33612345678",
            value_key="+33612345678",
        )
        factories.ContactPointFactory(contact=factories.ContactFactory(dossier=other))
        # One file holds that phone: the search opens it (issue 16).
        response = owner_client.get(list_url(vue="tous", q=typed))
        assert response.status_code == 302
        assert response.url == reverse("dossiers:detail", args=[target.pk])

    def test_search_by_email_reference_and_name(self, owner_client, owner):
        target = factories.DossierFactory(
            reference="ACC-7777", name="Garage Lefèvre", assigned_to=owner
        )
        factories.DossierFactory(reference="ACC-8888", name="Pharmacie Morel", assigned_to=owner)
        factories.ContactPointFactory(
            contact=factories.ContactFactory(dossier=target),
            kind="email",
            email="Compta@Garage-Lefevre.fr",
            value_key="compta@garage-lefevre.fr",
        )
        # The exact e-mail and reference open the file; the others list it.
        for query in ("compta@garage-lefevre.FR", "ACC-7777", "acc-77", "lefèvre"):
            page = owner_client.get(list_url(vue="tous", q=query), follow=True).content.decode()
            assert "ACC-7777" in page, query
            assert "ACC-8888" not in page, query

    def test_filters_by_collaborator_and_status(self, owner_client, owner, colleague):
        factories.DossierFactory(reference="A-1", assigned_to=owner, status=Dossier.Status.PAYMENT)
        factories.DossierFactory(
            reference="A-2", assigned_to=colleague, status=Dossier.Status.PAYMENT
        )
        factories.DossierFactory(
            reference="A-3", assigned_to=colleague, status=Dossier.Status.LITIGATION
        )
        page = owner_client.get(
            list_url(vue="tous", collaborateur=colleague.pk, statut="paiement")
        ).content.decode()
        assert "A-2" in page and "A-1" not in page and "A-3" not in page

    def test_sort_by_outstanding_and_by_age(self, owner_client, owner):
        today = timezone.localdate()
        small = factories.DossierFactory(reference="SMALL-OLD", assigned_to=owner)
        big = factories.DossierFactory(reference="BIG-RECENT", assigned_to=owner)
        factories.ReceivableFactory(
            dossier=small,
            amount=Decimal("10"),
            balance=Decimal("10"),
            issue_date=today - datetime.timedelta(days=400),
            due_date=today - datetime.timedelta(days=300),
        )
        factories.ReceivableFactory(
            dossier=big,
            amount=Decimal("9000"),
            balance=Decimal("9000"),
            issue_date=today - datetime.timedelta(days=40),
            due_date=today - datetime.timedelta(days=10),
        )
        dossier_refresh_totals()
        by_money = owner_client.get(list_url(tri="encours")).content.decode()
        assert by_money.index("BIG-RECENT") < by_money.index("SMALL-OLD")
        by_age = owner_client.get(list_url(tri="anciennete")).content.decode()
        assert by_age.index("SMALL-OLD") < by_age.index("BIG-RECENT")

    def test_sort_by_next_action_date_puts_what_is_due_first(self, owner_client, owner):
        today = timezone.localdate()
        factories.DossierFactory(
            reference="LATER",
            assigned_to=owner,
            next_action_date=today + datetime.timedelta(days=9),
        )
        factories.DossierFactory(reference="NONE", assigned_to=owner)
        factories.DossierFactory(
            reference="LATE", assigned_to=owner, next_action_date=today - datetime.timedelta(days=2)
        )
        page = owner_client.get(list_url(tri="prochaine_action")).content.decode()
        assert page.index("LATE") < page.index("LATER") < page.index("NONE")
        # A next action already due stands out.
        # A next action already due stands out, in colour and in words.
        assert (
            '<span class="visually-hidden">En retard : </span> '
            + (today - datetime.timedelta(days=2)).strftime("%d/%m/%Y")
            in page
        )

    def test_paginated(self, owner_client, owner):
        Dossier.objects.bulk_create(
            [
                Dossier(reference=f"P-{i:03d}", name=f"Dossier {i}", assigned_to=owner)
                for i in range(120)
            ]
        )
        first = owner_client.get(list_url(tri="reference")).content.decode()
        assert "P-000" in first and "P-060" not in first and "Page 1 sur 3" in first
        third = owner_client.get(list_url(tri="reference", page=3)).content.decode()
        assert "P-119" in third and "P-000" not in third

    def test_top_outstanding_shows_the_biggest_files(self, owner_client, owner):
        for i in range(30):
            dossier = factories.DossierFactory(reference=f"TOP-{i:02d}", assigned_to=owner)
            factories.ReceivableFactory(
                dossier=dossier, amount=Decimal(100 * (i + 1)), balance=Decimal(100 * (i + 1))
            )
        dossier_refresh_totals()
        page = owner_client.get(list_url(vue="top")).content.decode()
        assert "TOP-29" in page and "TOP-10" in page
        assert "TOP-09" not in page  # only the 20 biggest
        # 100 × (11 + … + 30) = 41 000 € of 100 × (1 + … + 30) = 46 500 €: 88 %.
        assert "Ces 20 dossiers représentent 88 % de l'encours total" in page.replace("&#x27;", "'")
        assert "41\u00a0000,00\u00a0€ sur 46\u00a0500,00\u00a0€" in page

    def test_list_query_count_does_not_grow_with_rows(
        self, owner_client, owner, django_assert_max_num_queries
    ):
        for i in range(60):
            dossier = factories.DossierFactory(reference=f"Q-{i:03d}", assigned_to=owner)
            factories.ContactPointFactory(contact=factories.ContactFactory(dossier=dossier))
        # 12 + 1: the exact-reference check of a search (it would open the file) and
        # the « À faire » count in the navigation (relances).
        with django_assert_max_num_queries(13):
            response = owner_client.get(list_url(vue="tous", q="Q-"))
        assert response.status_code == 200

    @pytest.mark.parametrize("small_result", [1000, 5])
    def test_search_results_sorted_whether_few_or_many(
        self, owner_client, owner, monkeypatch, small_result
    ):
        from dossiers import selectors

        monkeypatch.setattr(selectors, "SEARCH_SMALL_RESULT", small_result)
        for i in range(12):
            dossier = factories.DossierFactory(
                reference=f"S-{i:02d}", name="Garage Morel", assigned_to=owner
            )
            factories.ReceivableFactory(
                dossier=dossier, amount=Decimal(10 * (i + 1)), balance=Decimal(10 * (i + 1))
            )
        factories.DossierFactory(reference="OTHER", name="Pharmacie", assigned_to=owner)
        page = owner_client.get(list_url(vue="tous", q="morel")).content.decode()
        assert "OTHER" not in page
        positions = [page.index(f"S-{i:02d}") for i in range(11, -1, -1)]
        assert positions == sorted(positions)  # biggest outstanding first


def build_big_file(dossier, author):
    """10 contacts × 3 means, 50 notes, 20 pieces and 30 receivables."""
    today = timezone.localdate()
    for c in range(10):
        contact = factories.ContactFactory(dossier=dossier, observation=f"Observation {c}")
        factories.ContactPointFactory(
            contact=contact, kind="phone", status="valid", is_default=(c == 0)
        )
        factories.ContactPointFactory(contact=contact, kind="email", status="pending")
        factories.ContactPointFactory(contact=contact, kind="postal", status="invalid")
    for n in range(50):
        factories.NoteFactory(dossier=dossier, author=author, text=f"Note numéro {n}")
    for p in range(20):
        Piece.objects.create(
            dossier=dossier,
            original_name=f"piece-{p}.pdf",
            content_type="application/pdf",
            size=1000,
            file=f"pieces/x/{p}",
            uploaded_by=author,
        )
    for r in range(30):
        factories.ReceivableFactory(
            dossier=dossier,
            number=f"F-{r:03d}",
            amount=Decimal("100.00"),
            balance=Decimal("50.00"),
            due_date=today - datetime.timedelta(days=r),
            issue_date=today - datetime.timedelta(days=r + 30),
        )
    dossier_refresh_totals(dossier_ids=[dossier.pk])


class TestClientFile:
    def test_header_shows_outstanding_overdue_count_and_age(self, owner_client, dossier):
        today = timezone.localdate()
        factories.ReceivableFactory(
            dossier=dossier,
            amount=Decimal("1234.56"),
            balance=Decimal("1234.56"),
            issue_date=today - datetime.timedelta(days=80),
            due_date=today - datetime.timedelta(days=56),
        )
        factories.ReceivableFactory(
            dossier=dossier,
            amount=Decimal("980"),
            balance=Decimal("480"),
            issue_date=today - datetime.timedelta(days=40),
            due_date=today - datetime.timedelta(days=10),
        )
        factories.ReceivableFactory(
            dossier=dossier,
            amount=Decimal("754.56"),
            balance=Decimal("754.56"),
            issue_date=today,
            due_date=today + datetime.timedelta(days=30),
        )
        dossier_refresh_totals(dossier_ids=[dossier.pk])
        response = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))
        assert response.context["overdue_count"] == 2
        html = response.content.decode()
        assert "2\u00a0469,12\u00a0€" in html
        assert "56 j" in html

    @pytest.mark.parametrize(
        ("tab", "shown"), [("notes", "Note numéro 49"), ("pieces", "piece-19.pdf"), ("journal", "")]
    )
    def test_big_file_renders_in_at_most_24_queries(
        self, owner_client, owner, dossier, django_assert_max_num_queries, tab, shown
    ):
        build_big_file(dossier, owner)
        url = f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet={tab}"
        owner_client.get(url)  # the first request after sign-in refreshes the session
        caches["fiche"].clear()  # the content rendered, not served from the cache
        # Header, contacts (2), the visible tab (1 or 2) and the others' counts (1 or 2),
        # relances (scenario panel, « À faire » count), paiements (payments, promise,
        # disputes, external actions), the rgpd consultation trace's INSERT.
        with django_assert_max_num_queries(24):
            response = owner_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert shown in html and "F-029" in html

    def test_query_count_constant_as_the_file_grows(self, owner_client, owner, dossier):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = reverse("dossiers:detail", args=[dossier.pk])
        contact = factories.ContactFactory(dossier=dossier)
        factories.ContactPointFactory(contact=contact, kind="email")
        factories.NoteFactory(dossier=dossier, author=owner)
        # One receivable still due, as in the big file: a file with nothing due asks
        # whether it has receivables at all (« Soldé »), one more query.
        factories.ReceivableFactory(dossier=dossier, number="F-SMALL")
        dossier_refresh_totals(dossier_ids=[dossier.pk])
        owner_client.get(url)
        caches["fiche"].clear()  # both times the content rendered, not from the cache
        with CaptureQueriesContext(connection) as small:
            owner_client.get(url)
        build_big_file(factories.DossierFactory(), owner)
        build_big_file(dossier, owner)
        caches["fiche"].clear()
        with CaptureQueriesContext(connection) as big:
            owner_client.get(url)
        assert len(big) == len(small)
