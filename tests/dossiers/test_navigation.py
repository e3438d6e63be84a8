"""Moving between files (issue 16): « Retour à la liste » keeps the list's filters,
sort and page; previous / next within that list; an exact search opens the file."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from dossiers import navigation
from tests import factories

pytestmark = pytest.mark.django_db


def list_url(**params):
    from urllib.parse import urlencode

    return reverse("dossiers:list") + "?" + urlencode(params)


def detail(dossier, rank=None):
    return navigation.file_url(dossier.pk, rank)


def nav_links(html: str) -> dict:
    """The file page's « Retour à la liste », « Dossier précédent », « Dossier suivant »."""
    block = html[
        html.index('class="d-flex flex-wrap align-items-center gap-2 small mb-2 app-file-nav"') :
    ]
    block = block[: block.index("</nav>")]
    links = {}
    for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', block, flags=re.S):
        label = re.sub(r"<[^>]+>", "", text).strip()
        links[label] = unescape(href)
    return links


@pytest.fixture
def ranked(owner):
    """Five files of the owner, by outstanding: F-1 (500 €) … F-5 (100 €)."""
    files = []
    for i in range(1, 6):
        files.append(
            factories.DossierFactory(
                reference=f"F-{i}", assigned_to=owner, outstanding=Decimal(600 - 100 * i)
            )
        )
    return files


def test_back_to_the_list_keeps_filters_sort_and_page(owner_client, ranked, monkeypatch):
    monkeypatch.setattr(navigation, "PAGE_SIZE", 2)
    owner_client.get(list_url(vue="tous", statut="en_cours", tri="encours", page=2))
    html = owner_client.get(detail(ranked[2], rank=3)).content.decode()
    links = nav_links(html)
    back = parse_qs(urlsplit(links["Retour à la liste"]).query)
    assert back == {"vue": ["tous"], "statut": ["en_cours"], "tri": ["encours"], "page": ["2"]}
    assert links["Dossier précédent"] == detail(ranked[1], rank=2)
    assert links["Dossier suivant"] == detail(ranked[3], rank=4)
    # Moving on to the next page of the list, the way back follows.
    html = owner_client.get(detail(ranked[4], rank=5)).content.decode()
    links = nav_links(html)
    assert parse_qs(urlsplit(links["Retour à la liste"]).query)["page"] == ["3"]
    assert "Dossier suivant" not in links


def test_first_file_has_no_previous_and_the_sort_is_the_lists(owner_client, ranked):
    owner_client.get(list_url(vue="mes", tri="reference"))
    links = nav_links(owner_client.get(detail(ranked[0], rank=1)).content.decode())
    assert "Dossier précédent" not in links
    assert links["Dossier suivant"] == detail(ranked[1], rank=2)


def test_a_missing_or_stale_rank_is_found_again(owner_client, ranked):
    owner_client.get(list_url(vue="mes"))
    # Reached from a form or a call report: no rank in the URL.
    links = nav_links(owner_client.get(detail(ranked[3])).content.decode())
    assert links["Dossier précédent"] == detail(ranked[2], rank=3)
    assert links["Dossier suivant"] == detail(ranked[4], rank=5)
    # A rank the list no longer agrees with (another file got ahead).
    links = nav_links(owner_client.get(detail(ranked[3], rank=1)).content.decode())
    assert links["Dossier précédent"] == detail(ranked[2], rank=3)


def test_a_file_outside_the_list_only_goes_back(owner_client, ranked, colleague):
    elsewhere = factories.DossierFactory(reference="Z-9", assigned_to=colleague)
    owner_client.get(list_url(vue="mes"))
    links = nav_links(owner_client.get(detail(elsewhere)).content.decode())
    assert list(links) == ["Retour à la liste"]
    assert links["Retour à la liste"] == reverse("dossiers:list") + "?vue=mes"


def test_without_a_list_seen_back_goes_to_my_files(owner_client, ranked):
    links = nav_links(owner_client.get(detail(ranked[0])).content.decode())
    assert links == {"Retour à la liste": reverse("dossiers:list")}


def test_the_neighbours_cost_one_query(owner, ranked):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def queries(client, url):
        client.get(url)  # warm: the session and the caches as on any later page
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    from_list, direct = Client(), Client()
    from_list.force_login(owner)
    direct.force_login(owner)
    from_list.get(list_url(vue="mes"))
    assert queries(from_list, detail(ranked[2], rank=3)) == queries(direct, detail(ranked[2])) + 1


def test_the_whole_row_opens_the_file_with_its_rank(owner_client, ranked):
    html = owner_client.get(list_url(vue="mes")).content.decode()
    assert html.count('class="app-row-link"') == 5
    assert f'href="{detail(ranked[1])}?rang=2" class="fw-semibold stretched-link"' in html


def test_an_exact_reference_opens_the_file_even_when_others_start_alike(owner_client, owner):
    target = factories.DossierFactory(reference="ACC-10", assigned_to=owner)
    factories.DossierFactory(reference="ACC-100", assigned_to=owner)
    response = owner_client.get(list_url(vue="tous", q="acc-10"))
    assert response.status_code == 302 and response.url == detail(target)
    # A prefix only lists.
    assert owner_client.get(list_url(vue="tous", q="ACC-1")).status_code == 200


def test_a_phone_held_by_two_files_lists_them(owner_client, owner):
    for reference in ("P-1", "P-2"):
        factories.ContactPointFactory(
            contact=factories.ContactFactory(
                dossier=factories.DossierFactory(reference=reference, assigned_to=owner)
            ),
            phone="+33612345678",
            value_key="+33612345678",
        )
    response = owner_client.get(list_url(vue="tous", q="06 12 34 56 78"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "P-1" in html and "P-2" in html


def test_an_exact_search_does_not_replace_the_list_to_go_back_to(owner_client, owner, ranked):
    owner_client.get(list_url(vue="mes", tri="nom"))
    owner_client.get(list_url(vue="tous", q="F-3"))  # opens F-3
    links = nav_links(owner_client.get(detail(ranked[2])).content.decode())
    assert links["Retour à la liste"] == reverse("dossiers:list") + "?vue=mes&tri=nom&page=1"


def test_stranger_gets_404_on_the_list_and_the_file(stranger_client, ranked):
    assert stranger_client.get(list_url(vue="tous", q="F-1")).status_code == 404
    assert stranger_client.get(detail(ranked[0], rank=1)).status_code == 404
