"""The list of files without the COUNT of a million rows (issue 15): the pager
reads one row more than it shows, the total is exact when it is cheap, the
planner's estimate (« environ N dossiers ») or a lower bound otherwise."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers import paging
from dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def list_url(**params):
    from urllib.parse import urlencode

    return reverse("dossiers:list") + "?" + urlencode({"vue": "tous", "tri": "reference", **params})


def make_files(owner, count, prefix="P"):
    Dossier.objects.bulk_create(
        [
            Dossier(reference=f"{prefix}-{i:03d}", name=f"Dossier {i}", assigned_to=owner)
            for i in range(count)
        ]
    )


@pytest.fixture
def capped(monkeypatch):
    """A list counted only up to 10 rows, on either database, and no estimate."""
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", {connection.vendor: 10})
    monkeypatch.setattr(paging, "estimated_count", lambda queryset: None)


def is_count(sql: str) -> bool:
    """The list's own count (the navigation's « À faire » figure is another one)."""
    return sql.upper().startswith("SELECT COUNT(*)")


def text(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


class TestPagerWithoutTotal:
    def test_first_page_says_more_than_and_offers_next(self, owner_client, owner, capped):
        make_files(owner, 120)
        page = text(owner_client.get(list_url()))
        assert "P-000" in page and "P-049" in page and "P-050" not in page
        assert "plus de 10 dossiers" in page
        assert "Page 1</span>" in page and "sur" not in page.split("Page 1")[1][:20]
        assert "Suivante" in page and "Précédente" not in page

    def test_middle_page_offers_both_ways(self, owner_client, owner, capped):
        make_files(owner, 120)
        page = text(owner_client.get(list_url(page=2)))
        assert "P-050" in page and "P-099" in page and "P-100" not in page
        assert "Précédente" in page and "Suivante" in page
        assert "Page 2</span>" in page

    def test_last_page_knows_the_exact_total(self, owner_client, owner, capped):
        make_files(owner, 120)
        page = text(owner_client.get(list_url(page=3)))
        assert "P-100" in page and "P-119" in page
        assert "120 dossiers" in page and "Page 3 sur 3" in page
        assert "Suivante" not in page

    def test_a_list_that_ends_exactly_on_a_page(self, owner_client, owner, capped):
        make_files(owner, 100)
        page = text(owner_client.get(list_url(page=2)))
        assert "P-099" in page and "Suivante" not in page and "100 dossiers" in page

    def test_past_the_end_without_a_total(self, owner_client, owner, capped):
        make_files(owner, 120)
        page = text(owner_client.get(list_url(page=9)))
        assert "Aucun dossier sur cette page." in page and "Première page" in page
        assert "P-0" not in page

    @pytest.mark.parametrize("number", ["9", "0", "-3", "abc", "", str(10**30), str(2**62)])
    def test_past_the_end_or_not_a_number_with_a_total(self, owner_client, owner, number):
        """A page number whose offset no 64-bit OFFSET holds is a page past the end too
        (it gave a 500 on PostgreSQL: bigint out of range, found by the fuzz test)."""
        make_files(owner, 120)
        page = text(owner_client.get(list_url(page=number)))
        if number not in {"0", "-3", "abc", ""}:  # the last page, as before
            assert "P-119" in page and "Page 3 sur 3" in page
        else:
            assert "P-000" in page and "Page 1 sur 3" in page

    def test_small_filtered_list_is_counted_exactly(self, owner_client, owner, capped):
        make_files(owner, 120)
        make_files(owner, 7, prefix="X")
        page = text(owner_client.get(list_url(q="X-")))
        assert "7 dossiers" in page and "Suivante" not in page and "Page 1" not in page

    def test_a_whole_list_on_one_page_is_not_counted(self, owner_client, owner):
        make_files(owner, 30)
        with CaptureQueriesContext(connection) as queries:
            page = text(owner_client.get(list_url()))
        assert "30 dossiers" in page
        assert not [q for q in queries if is_count(q["sql"])]

    def test_no_count_of_every_row(self, owner_client, owner, monkeypatch):
        """Above the limit, only LIMITed counts (PostgreSQL's rule, forced here on
        either database)."""
        monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", {connection.vendor: 10})
        make_files(owner, 120)
        with CaptureQueriesContext(connection) as queries:
            text(owner_client.get(list_url()))
        counts = [q["sql"] for q in queries if is_count(q["sql"])]
        assert counts and all("LIMIT 11" in sql for sql in counts), counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_estimate_on_postgresql(owner_client, owner, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", {"postgresql": 10})
    make_files(owner, 3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
    page = text(owner_client.get(list_url()))
    assert "environ 3\u00a0000 dossiers" in page or "environ 3 000 dossiers" in page
    assert "Page 1</span>" in page and "Suivante" in page


def test_round_keeps_two_significant_digits():
    assert [paging._round(n) for n in (7, 99, 123, 249_871, 1_000_213)] == [
        7,
        99,
        120,
        250_000,
        1_000_000,
    ]


@pytest.mark.parametrize("sizes", [(120, 300)])
def test_list_query_count_constant(owner_client, owner, sizes, monkeypatch):
    """The same queries for a page 2 of 120 and of 300 files, with or without a total."""
    for limit in (None, 10):
        if limit:
            monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", {connection.vendor: limit})
        counts = []
        Dossier.objects.all().delete()
        for size in sizes:
            make_files(owner, size, prefix=f"S{size}")
            owner_client.get(list_url(page=2))  # the session settles
            with CaptureQueriesContext(connection) as queries:
                text(owner_client.get(list_url(page=2)))
            counts.append(len(queries))
        assert counts[0] == counts[1], (limit, counts)


class _Tags(__import__("html.parser").parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.out = []

    def handle_starttag(self, tag, attrs):
        self.out.append((tag, sorted(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.out.append(data.strip())


def _parsed(html: str) -> list:
    parser = _Tags()
    parser.feed(html)
    return parser.out


@pytest.mark.parametrize(
    "query",
    ["", "vue=tous&statut=judiciaire&q=a%22%3Cb%27", "q=x&collaborateur={pk}&tri=nom", "statut=x"],
)
def test_quick_widget_writes_what_django_writes(owner, colleague, query):
    from django.http import QueryDict

    from dossiers.forms import DossierFilterForm
    from dossiers.templatetags.recouvrement import quick_widget

    form = DossierFilterForm(QueryDict(query.format(pk=colleague.pk)) or None)
    form.is_valid()
    for name in ("q", "collaborateur", "statut", "tri"):
        assert _parsed(quick_widget(form[name])) == _parsed(form[name].as_widget()), name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors")
def test_the_collaborators_filter_is_one_plain_query(owner_client, owner, colleague):
    """Django's ModelChoiceIterator reads a select's choices through iterator(): on
    PostgreSQL a server-side cursor (DECLARE, FETCH, CLOSE) for a handful of rows."""
    make_files(owner, 3)
    owner_client.get(list_url())  # the session settles
    with CaptureQueriesContext(connection) as queries:
        page = text(owner_client.get(list_url()))
    assert colleague.username in page or colleague.get_full_name() in page
    assert not [q["sql"] for q in queries if "CURSOR" in q["sql"].upper()]


def test_a_deep_page_reads_its_keys_from_the_sort_index(owner_client, owner):
    """Page 3 reads the references of rows 101-151 (what the sort index by
    outstanding holds: PostgreSQL's indexes hold no id, an index-only scan needs
    every column it returns), then those rows, in the list's order."""
    make_files(owner, 160)
    owner_client.get(list_url(tri="encours", page=3))  # the session settles
    with CaptureQueriesContext(connection) as queries:
        page = text(owner_client.get(list_url(tri="encours", page=3)))
    keys = [q["sql"] for q in queries if "OFFSET 100" in q["sql"]]
    assert len(keys) == 1
    selected = keys[0].split(" FROM ", 1)[0]
    assert '"reference"' in selected and '"id"' not in selected, selected
    # Every file has 0 €: by reference within the same outstanding.
    assert "P-100" in page and "P-149" in page and "P-099" not in page and "P-150" not in page
    assert page.index("P-100") < page.index("P-125") < page.index("P-149")
