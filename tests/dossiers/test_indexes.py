"""The indexes of the files' table on PostgreSQL (issue 15): each one is written by
every import of files and every update of a file's totals, so each one is kept for a
query that uses it, and the list's search still finds its index without them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from dossiers import selectors
from dossiers.models import Dossier
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes"),
]

EXPECTED = {
    "dossiers_dossier_pkey",
    "dossiers_dossier_reference_key",  # unique reference: imports, services, navigation
    "dossier_reference_upper_idx",  # the list's reference tests (iexact, istartswith)
    "dossier_name_trgm",  # the list's name test (icontains)
    "dossier_name_idx",  # sort by name
    "dossier_outstanding_idx",  # sort by amount
    "dossier_age_idx",  # sort by age
    "dossier_assigned_idx",  # « Mes dossiers » by amount
    "dossier_next_action_idx",  # « Mes dossiers » by next action, the planner
    "dossier_status_idx",  # filter by status
}


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'dossiers_dossier'")
        return {row[0] for row in cursor.fetchall()}


def test_only_the_indexes_a_query_uses():
    assert indexes() == EXPECTED


@pytest.mark.parametrize("text", ["B-0001", "dupont"])
def test_the_list_search_can_read_indexes(text):
    """The search's three tests each have an index (the reference's B-tree, the
    names' trigrams): with the table's scan ruled out, the plan reads only them. (Which
    plan wins depends on the table's size: at a million files, these, bench/list.)"""
    factories.DossierFactory(reference="B-0001", name="Dupont SARL")
    factories.DossierFactory(reference="C-0002", name="Martin")
    # Unordered: ordered by reference, a handful of rows are read fastest in the
    # unique index's order.
    queryset = Dossier.objects.filter(selectors.plain_text_q(text)).order_by().values("pk")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "Seq Scan" not in plan
    assert "dossier_reference_upper_idx" in plan and "dossier_name_trgm" in plan
    assert queryset.count() == 1
