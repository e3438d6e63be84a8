"""The rows of the list of files, written in Python (dossiers/rows.py, issue 15): the
markup the template wrote, every value escaped, the labels and dates as before."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier
from tests import factories

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split("app-dossier-table", 1)[1]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", body, flags=re.S)


def list_page(client, **params):
    from urllib.parse import urlencode

    query = {"vue": "tous", "tri": "reference", **params}
    return client.get(reverse("dossiers:list") + "?" + urlencode(query))


def test_a_row_shows_every_column(owner_client, owner):
    owner.first_name, owner.last_name = "Zoé", "Martin"
    owner.save()
    today = timezone.localdate()
    dossier = factories.DossierFactory(
        reference="ROW-1",
        name="Garage Lefèvre",
        assigned_to=owner,
        status=Dossier.Status.PAYMENT,
        next_action="Rappeler",
        next_action_date=today + datetime.timedelta(days=5),
    )
    Dossier.objects.filter(pk=dossier.pk).update(
        outstanding=Decimal("1234567.5"), oldest_due_date=today - datetime.timedelta(days=12)
    )
    (row,) = rows_of(list_page(owner_client))
    url = reverse("dossiers:detail", args=[dossier.pk])
    assert row == (
        '<tr class="app-row-link">'
        f'<td><a href="{url}?rang=1" class="fw-semibold stretched-link">ROW-1</a></td>'
        "<td>Garage Lefèvre</td>"
        '<td><span class="badge app-status app-status-paiement">Paiement</span></td>'
        "<td>Zoé Martin</td>"
        f'<td class="small"><span>{(today + datetime.timedelta(days=5)):%d/%m/%Y}</span>'
        " · Rappeler</td>"
        '<td class="text-end text-nowrap fw-semibold">1\u00a0234\u00a0567,50\u00a0€</td>'
        '<td class="text-end text-nowrap"><span class="text-danger">12 j</span></td>'
        "</tr>"
    )


def test_values_are_escaped(owner_client, owner):
    owner.first_name, owner.last_name = "<b>Zoé</b>", "L'Hôte"
    owner.save()
    factories.DossierFactory(
        reference="R<&>",
        name="A <script>alert(\"x\")</script> & 'co'",
        assigned_to=owner,
        next_action="<i>appeler</i>",
    )
    (row,) = rows_of(list_page(owner_client))
    assert "<script>" not in row and "<i>appeler" not in row and "<b>Zoé" not in row
    assert ">R&lt;&amp;&gt;</a>" in row
    assert (
        "<td>A &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;co&#x27;</td>" in row
    )
    assert "<td>&lt;b&gt;Zoé&lt;/b&gt; L&#x27;Hôte</td>" in row  # the full name, escaped
    assert '<td class="small">&lt;i&gt;appeler&lt;/i&gt;</td>' in row


def test_unassigned_nothing_late_and_no_next_action(owner_client, owner):
    factories.DossierFactory(reference="ROW-2", assigned_to=None)
    (row,) = rows_of(list_page(owner_client))
    dash = '<span class="text-body-secondary">—</span>'
    assert f"<td>{dash}</td>" in row  # no collaborator
    assert '<td class="small"></td>' in row
    assert f'<td class="text-end text-nowrap">{dash}</td>' in row  # not late
    assert "0,00\u00a0€" in row


def test_username_when_no_full_name(owner_client, owner):
    owner.first_name = owner.last_name = ""
    owner.save()
    factories.DossierFactory(reference="ROW-3", assigned_to=owner)
    (row,) = rows_of(list_page(owner_client))
    assert f"<td>{owner.username}</td>" in row


@pytest.mark.parametrize("days_ago", [0, 3])
def test_a_next_action_due_stands_out(owner_client, owner, days_ago):
    due = timezone.localdate() - datetime.timedelta(days=days_ago)
    factories.DossierFactory(
        reference="ROW-4", assigned_to=owner, next_action="Relancer", next_action_date=due
    )
    (row,) = rows_of(list_page(owner_client))
    assert (
        '<td class="small"><span class="app-overdue">'
        '<i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i>'
        f'<span class="visually-hidden">En retard : </span> {due:%d/%m/%Y}</span> · Relancer</td>'
    ) in row


@pytest.mark.parametrize(("days_ago", "shown"), [(-3, None), (0, None), (1, "1 j"), (400, "400 j")])
def test_days_overdue(owner_client, owner, days_ago, shown):
    dossier = factories.DossierFactory(reference="ROW-5", assigned_to=owner)
    due = timezone.localdate() - datetime.timedelta(days=days_ago)
    Dossier.objects.filter(pk=dossier.pk).update(oldest_due_date=due)
    (row,) = rows_of(list_page(owner_client))
    last = row.rsplit("<td", 1)[1]
    if shown:
        assert f'<span class="text-danger">{shown}</span>' in last
    else:
        assert "text-body-secondary" in last and "text-danger" not in last


def test_ranks_follow_the_page(owner_client, owner):
    Dossier.objects.bulk_create(
        [Dossier(reference=f"P-{i:03d}", name=f"D {i}", assigned_to=owner) for i in range(60)]
    )
    rows = rows_of(list_page(owner_client, page=2))
    assert len(rows) == 10
    assert '?rang=51" class="fw-semibold stretched-link">P-050</a>' in rows[0]
    assert '?rang=60" class="fw-semibold stretched-link">P-059</a>' in rows[-1]


def test_an_empty_list_says_so(owner_client):
    response = list_page(owner_client)
    (row,) = rows_of(response)
    assert "Aucun dossier ne correspond." in row
