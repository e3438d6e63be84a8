"""The managers' dashboard: figures against a small data set computed by hand,
access, and a query count that does not grow with the number of files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Communication
from paiements.dashboard import dashboard
from paiements.models import Payment, Promise
from tests import factories

from .helpers import receivable

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 12, 15)
URL = reverse("paiements:dashboard")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 11, 0), tick=False):
        yield


def at(day: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def data_set(owner, colleague, manager):
    a = factories.DossierFactory(reference="A", assigned_to=owner)
    b = factories.DossierFactory(reference="B", assigned_to=colleague)
    c = factories.DossierFactory(reference="C", assigned_to=None)
    d = datetime.date
    receivable(a, "R1", "100", due=d(2026, 12, 20))  # not due
    receivable(a, "R2", "200", due=d(2026, 12, 1))  # 14 days
    receivable(a, "R8", "10", due=d(2026, 11, 15))  # 30 days: still 0–30
    receivable(b, "R3", "300", due=d(2026, 11, 1))  # 44 days
    receivable(b, "R9", "20", due=d(2026, 11, 14))  # 31 days
    receivable(b, "R4", "400", due=d(2026, 10, 1))  # 75 days
    receivable(c, "R5", "500", due=d(2026, 8, 1))  # 136 days
    receivable(c, "R6", "50", due=TODAY)  # due today: not overdue yet
    receivable(c, "R7", "0", due=d(2026, 1, 1), amount="70")  # paid
    for dossier, day, amount in [
        (a, d(2026, 12, 3), "80"),
        (b, d(2026, 11, 20), "120"),
        (c, d(2025, 12, 31), "999"),  # before the 12 months shown
        (a, d(2026, 1, 10), "30"),
    ]:
        Payment.objects.create(dossier=dossier, date=day, amount=D(amount), mode="virement")
    for dossier, status, closed in [
        (a, "tenue", d(2026, 12, 5)),
        (a, "non_tenue", d(2026, 11, 10)),
        (b, "non_tenue", d(2026, 12, 2)),
        (c, "tenue", d(2025, 11, 30)),  # too old
    ]:
        Promise.objects.create(
            dossier=dossier, status=status, start_date=d(2025, 10, 1), closed_on=closed
        )
    for dossier, channel, by, day in [
        (a, "email", None, d(2026, 12, 10)),
        (a, "sms", owner, d(2026, 12, 14)),
        (b, "call", colleague, d(2026, 12, 1)),
        (a, "letter", None, d(2026, 11, 1)),  # more than 30 days ago
    ]:
        Communication.objects.create(
            dossier=dossier,
            channel=channel,
            outcome="abouti" if channel == "call" else "",
            status="sent",
            sent_by=by,
            created_at=at(day),
        )
    return a, b, c


def test_figures_match_the_hand_computed_data_set(data_set, owner, colleague):
    board = dashboard(today=TODAY)
    assert [(label, amount, n) for label, amount, n in board.buckets] == [
        ("Non échu", D("150"), 2),
        ("0–30 j", D("210"), 2),
        ("31–60 j", D("320"), 2),
        ("61–90 j", D("400"), 1),
        ("> 90 j", D("500"), 1),
    ]
    assert board.outstanding == D("1580")
    collected = dict(board.collected)
    assert len(board.collected) == 12 and board.collected[0][0] == "janv. 2026"
    assert collected["janv. 2026"] == D("30")
    assert collected["nov. 2026"] == D("120")
    assert collected["déc. 2026"] == D("80")
    assert sum(collected.values()) == D("230")
    promises = {label: (kept, broken) for label, kept, broken in board.promises}
    assert promises["déc. 2026"] == (1, 1) and promises["nov. 2026"] == (0, 1)
    assert board.kept_rate == 33
    assert board.actions == [("appel", 0, 1), ("courrier", 0, 0), ("SMS", 0, 1), ("e-mail", 1, 0)]
    team = {row["name"]: row for row in board.collaborators}
    agnes, bruno = team["Agnès Martin"], team["Bruno Caron"]
    assert (agnes["files"], agnes["outstanding"], agnes["collected"]) == (1, D("310"), D("80"))
    assert (agnes["kept"], agnes["broken"], agnes["actions"]) == (1, 1, 1)
    assert (bruno["files"], bruno["outstanding"], bruno["collected"]) == (1, D("720"), D("0"))
    assert (bruno["kept"], bruno["broken"], bruno["actions"]) == (0, 1, 1)
    assert team["Non affecté"]["outstanding"] == D("550")
    assert team["Claire Dubois"]["files"] == 0


def test_filtered_by_collaborator(data_set, owner):
    board = dashboard(today=TODAY, assigned_to=owner)
    assert board.outstanding == D("310")
    assert dict(board.collected)["nov. 2026"] == 0
    assert board.actions[2] == ("SMS", 0, 1) and board.actions[3] == ("e-mail", 1, 0)


def test_page_for_managers_with_charts_and_tables(client, manager, data_set):
    client.force_login(manager)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Tableau de bord" in html
    assert html.count('role="img"') == 4
    for table in ("table-age", "table-collected", "table-promises", "table-actions", "table-team"):
        assert f'data-testid="{table}"' in html
    assert "1\u00a0580,00\u00a0€" in html
    assert 'aria-current="page"' in html  # the nav link


def test_agents_get_403_and_no_link(owner_client):
    assert owner_client.get(URL).status_code == 403
    html = owner_client.get(reverse("dossiers:list")).content.decode()
    assert "Tableau de bord" not in html


def test_stranger_gets_404(stranger_client):
    assert stranger_client.get(URL).status_code == 404


def test_query_count_constant_in_the_number_of_files(client, manager, owner, data_set):
    client.force_login(manager)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    for n in range(25):
        dossier = factories.DossierFactory(assigned_to=owner)
        receivable(dossier, f"X{n}", "10", due=TODAY - datetime.timedelta(days=n * 7))
        Payment.objects.create(dossier=dossier, date=TODAY, amount=D("1"), mode="carte")
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(large) == len(small)
    assert (
        len(small) <= 18
    )  # session, user, permissions, collaborators, 9 aggregates, « À faire » count
